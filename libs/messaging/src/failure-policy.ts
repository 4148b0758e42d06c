import { setTimeout as sleep } from 'node:timers/promises';

export interface FailurePolicyOptions {
  /** Failures worth retrying in-process a few times before the message is released (a blip). */
  isTransient?: (error: unknown) => boolean;
  backoffBaseSeconds?: number;
  backoffMaxSeconds?: number;
  retryDelaysMs?: readonly number[];
}

/**
 * When to retry: a transient failure is retried in-process a couple of times, then the message
 * is released with a backoff growing with its receive count (the queue's redrive policy takes
 * it to the DLQ after maxReceiveCount); while failures keep coming, receiving slows down.
 */
export class FailurePolicy {
  /** Consecutive messages that failed transiently: a dependency is probably down. */
  private streak = 0;

  constructor(private readonly options: FailurePolicyOptions = {}) {}

  /** Runs `work`, retrying transient failures in-process unless `stopping()` says not to. */
  async runWithRetries(work: () => Promise<void>, stopping: () => boolean): Promise<void> {
    const delays = this.options.retryDelaysMs ?? [250, 1000];
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const delay = delays[attempt];
        if (delay === undefined || stopping() || !this.options.isTransient?.(error)) throw error;
        await sleep(delay);
      }
    }
  }

  succeeded(): void {
    this.streak = 0;
  }

  failedTransiently(): void {
    this.streak++;
  }

  /** Seconds until a message that failed on its `receives`-th delivery is visible again. */
  backoffSeconds(receives: number): number {
    const base = this.options.backoffBaseSeconds ?? 2;
    const max = this.options.backoffMaxSeconds ?? 300;
    return Math.min(max, base * 2 ** Math.max(0, receives - 1));
  }

  /** How long the next receive should wait: 0 while things work, growing while they fail. */
  receivePauseMs(): number {
    if (this.streak === 0) return 0;
    return Math.min(500 * 2 ** Math.min(this.streak - 1, 5), 15_000);
  }
}
