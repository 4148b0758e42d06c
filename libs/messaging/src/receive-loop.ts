import { Message, MessageSystemAttributeName, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
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
  /**
   * Back-pressure: receiving waits while this says there is no room for another batch of 10.
   * `pending`: what the receives already running may still bring (10 each), not yet held.
   */
  hasRoom: (pending: number) => boolean;
  /** How long to wait before the next receive (e.g. while a dependency is failing). */
  pauseMs: () => number;
  onMessages: (messages: Message[]) => void;
  onReceivedWhileStopping?: (count: number) => void;
  onError: (message: string) => void;
}

/** The most messages one ReceiveMessage returns (SQS's limit). */
const RECEIVE_BATCH = 10;

/**
 * The system attributes the worker reads: the receive count (retries, dead-lettering), the send
 * time (message age), and FIFO's group and sequence (order within a receive, redrives). Asking
 * for these rather than 'All' leaves less for the client to parse on every receive.
 */
export const RECEIVED_SYSTEM_ATTRIBUTES: MessageSystemAttributeName[] = ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId', 'SequenceNumber'];

/**
 * The pollers of one queue: long polls with back-pressure and a stop that strands nothing.
 *
 * Pollers in step with the backlog: while receives come back full, all of them poll (several
 * batches in flight hide a receive's round trip); once one comes back short, the queue has no
 * more ready for us, and only the first keeps polling until a receive is full again. More
 * pollers then would only split what arrives into smaller receives, each a paid SQS request that
 * costs the worker as much CPU for 2 messages as for 10, and smaller placement batches
 * (docs/benchmarks.md, eighth session).
 */
export class ReceiveLoop {
  private pollers: Promise<void>[] = [];
  private stopping = false;
  private roomWaiters: Array<() => void> = [];
  /** The last receive came back short: pollers but the first wait for a full one. */
  private caughtUp = false;
  /** ReceiveMessage calls running now. */
  private receiving = 0;
  private catchUpWaiters: Array<() => void> = [];
  /** Ends the loop's own waits (pauses) on stop; never passed to a receive. */
  private readonly stopWaits = new AbortController();

  constructor(private readonly options: ReceiveLoopOptions) {}

  start(): void {
    this.pollers = Array.from({ length: this.options.pollers }, (_, index) => this.poll(index));
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
    this.setCaughtUp(false);
    await Promise.allSettled(this.pollers);
  }

  private setCaughtUp(caughtUp: boolean): void {
    this.caughtUp = caughtUp;
    if (caughtUp) return;
    const waiters = this.catchUpWaiters;
    this.catchUpWaiters = [];
    for (const wake of waiters) wake();
  }

  private async poll(index: number): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      while (!this.stopping && index > 0 && this.caughtUp) await new Promise<void>((resolve) => this.catchUpWaiters.push(resolve));
      while (!this.stopping && !this.options.hasRoom(this.receiving * RECEIVE_BATCH)) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      const pause = this.options.pauseMs();
      if (pause > 0) await sleep(pause, undefined, { signal: this.stopWaits.signal }).catch(() => undefined);
      if (this.stopping) return;
      this.receiving++;
      try {
        const { Messages = [] } = await this.options.client
          .send(
            new ReceiveMessageCommand({
              QueueUrl: this.options.queueUrl,
              MaxNumberOfMessages: RECEIVE_BATCH,
              WaitTimeSeconds: this.options.waitTimeSeconds,
              MessageSystemAttributeNames: RECEIVED_SYSTEM_ATTRIBUTES,
              MessageAttributeNames: ['All'],
            }),
          )
          .finally(() => this.receiving--);
        const short = Messages.length < RECEIVE_BATCH;
        // A short receive frees the room it had reserved.
        if (short) this.roomFreed();
        failures = 0;
        this.setCaughtUp(short);
        if (Messages.length === 0) continue;
        if (this.stopping) await this.release(Messages);
        else this.options.onMessages(Messages);
      } catch (error) {
        if (this.stopping) return;
        this.roomFreed();
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
