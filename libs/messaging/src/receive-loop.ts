import { Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { changeVisibility } from './visibility';

export interface ReceiveLoopOptions {
  client: SQSClient;
  queueUrl: string;
  /** Concurrent ReceiveMessage loops, so that several batches are in flight. */
  pollers: number;
  /**
   * Long-poll wait, 0..20 s. Stopping lets running polls finish (an aborted poll is still served
   * by SQS, and what it hands out stays invisible for a whole visibility timeout), so this also
   * bounds how long stop() takes.
   */
  waitTimeSeconds: number;
  /** Back-pressure: receiving waits while this says there is no room for another batch of 10. */
  hasRoom: () => boolean;
  /** How long to wait before the next receive (e.g. while a dependency is failing). */
  pauseMs: () => number;
  onMessages: (messages: Message[]) => void;
  onReceivedWhileStopping?: (count: number) => void;
  onError: (message: string) => void;
}

/** The pollers of one queue: long polls with back-pressure and a stop that strands nothing. */
export class ReceiveLoop {
  private pollers: Promise<void>[] = [];
  private stopping = false;
  private roomWaiters: Array<() => void> = [];
  /** Ends the loop's own waits (pauses) on stop; never passed to a receive. */
  private readonly stopWaits = new AbortController();

  constructor(private readonly options: ReceiveLoopOptions) {}

  start(): void {
    this.pollers = Array.from({ length: this.options.pollers }, () => this.poll());
  }

  /** Call when held messages finish, so that waiting pollers look again. */
  roomFreed(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Starts no new receive, waits for the running ones and releases at once what they return. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopWaits.abort();
    this.roomFreed();
    await Promise.allSettled(this.pollers);
  }

  private async poll(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      while (!this.stopping && !this.options.hasRoom()) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      const pause = this.options.pauseMs();
      if (pause > 0) await sleep(pause, undefined, { signal: this.stopWaits.signal }).catch(() => undefined);
      if (this.stopping) return;
      try {
        const { Messages = [] } = await this.options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.options.waitTimeSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        failures = 0;
        if (Messages.length === 0) continue;
        if (this.stopping) await this.release(Messages);
        else this.options.onMessages(Messages);
      } catch (error) {
        if (this.stopping) return;
        failures++;
        this.options.onError(`receive failed (${(error as Error).message}); retrying`);
        await sleep(Math.min(200 * 2 ** failures, 5000), undefined, { signal: this.stopWaits.signal }).catch(() => undefined);
      }
    }
  }

  private async release(messages: Message[]): Promise<void> {
    this.options.onReceivedWhileStopping?.(messages.length);
    await changeVisibility(this.options.client, this.options.queueUrl, messages, 0).catch((error) =>
      this.options.onError(`release failed: ${(error as Error).message}`),
    );
  }
}
