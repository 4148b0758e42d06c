/**
 * Additive increase, multiplicative decrease of a concurrency limit from observed latency, the
 * way TCP finds its window: while the database answers within the target, the limit grows by one
 * per `limit` fast samples; when a sample is slower, it shrinks by `backoff` (at most once per
 * `limit` samples, so one slow burst of the requests already in flight counts once). The worker
 * uses it so that a backlog drains with what the database has to spare, and live REST traffic,
 * which shares the database, keeps its latency.
 */
export interface AimdOptions {
  min: number;
  max: number;
  /** A sample above this (ms) means the database is busy. */
  targetMs: number;
  /** Factor applied on a slow sample, 0..1. */
  backoff?: number;
  /** Where the limit starts; `min` by default (grow into the room there is). */
  initial?: number;
}

export class AimdController {
  private value: number;
  private samplesSinceDecrease = 0;
  private readonly backoff: number;

  constructor(private readonly options: AimdOptions) {
    if (options.min < 1 || options.max < options.min) throw new Error(`bad AIMD bounds ${options.min}..${options.max}`);
    this.backoff = options.backoff ?? 0.7;
    this.value = Math.min(options.max, Math.max(options.min, options.initial ?? options.min));
  }

  /** Whole tasks allowed at once. */
  get limit(): number {
    return Math.max(this.options.min, Math.floor(this.value));
  }

  observe(latencyMs: number): void {
    this.samplesSinceDecrease++;
    if (latencyMs > this.options.targetMs) {
      if (this.samplesSinceDecrease >= this.limit) {
        this.value = Math.max(this.options.min, this.value * this.backoff);
        this.samplesSinceDecrease = 0;
      }
    } else {
      this.value = Math.min(this.options.max, this.value + 1 / this.value);
    }
  }
}

/** Runs tasks at most `limit()` at once (the limit may change between tasks); FIFO for the waiting. */
export class AdaptiveLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: () => number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit() || this.waiting.length > 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.admit();
    }
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Lets waiting tasks in while there is room under the current limit. */
  private admit(): void {
    while (this.waiting.length > 0 && this.active < this.limit()) {
      this.active++;
      this.waiting.shift()!();
    }
  }
}
