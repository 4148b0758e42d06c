import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { customerOf, OrderMessage, ParsedMessage, parseOrderMessage } from '@orderflow/contracts/order-message';
import {
  messageProcessingDuration,
  messagesDeadLettered,
  messagesInFlight,
  messagesProcessed,
  messagesReceived,
  messagesRetried,
  oldestMessageAge,
} from '@orderflow/observability/metrics';
import { CustomerSerialDispatcher, ItemVerdict } from './customer-serial-dispatcher';
import { DeadLetterReason, sendToDeadLetterQueue } from './dead-letter';
import { DeleteBatcher } from './delete-batcher';

export interface SqsTransportOptions {
  client: SQSClient;
  queueUrl: string;
  dlqUrl: string;
  /** Concurrent ReceiveMessage loops, so that several batches are in flight. */
  pollers?: number;
  /**
   * Long polling wait, 0..20 s. A stopping transport lets its running polls finish (an aborted
   * poll is still served by SQS, and what it hands out stays invisible for a whole visibility
   * timeout), so this also bounds how long a shutdown waits for its polls.
   */
  waitTimeSeconds?: number;
  /** Receiving pauses while this many messages are unfinished. */
  maxInFlight?: number;
  /** Read from the queue when not given. */
  visibilityTimeoutSeconds?: number;
  backoffBaseSeconds?: number;
  backoffMaxSeconds?: number;
  /** How long SIGTERM waits for running messages before releasing them. */
  shutdownGraceMs?: number;
  /**
   * Messages processed at the same time, at most; keep it within the database pool, or messages
   * time out waiting for a connection and burn their receive count.
   */
  maxConcurrency?: number;
  /** Failures worth retrying in-process a few times before the message is released (a blip). */
  isTransient?: (error: unknown) => boolean;
}

const IN_PROCESS_RETRY_DELAYS_MS = [250, 1000];

/** What a handler receives: the validated message and where it came from. */
export interface SqsMessageEnvelope {
  message: OrderMessage;
  context: { source: 'sqs'; correlationId?: string; traceparent?: string; messageId: string; receiveCount: number };
}

/** Thrown by a handler when the message can never succeed: it goes to the DLQ at once. */
export class PermanentMessageError extends Error {
  constructor(
    readonly code: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'PermanentMessageError';
  }
}

interface Tracked {
  message: Message;
  /** The body checked against the contract once, on receipt. */
  parsed: ParsedMessage;
  key: string;
  receivedAt: number;
  extendedAt: number;
  sentAt: number;
}

/**
 * @nestjs/microservices transport over SQS: long polling, batches of up to 10, several batches
 * in flight, one customer's messages strictly in order (different customers in parallel),
 * visibility heartbeats, immediate dead-lettering of poison messages, backoff for transient
 * failures, and a graceful drain on shutdown. Handlers are `@MessagePattern(type)` methods.
 */
export class SqsTransport extends Server implements CustomTransportStrategy {
  private readonly log = new Logger('SqsTransport');
  private readonly dispatcher = new CustomerSerialDispatcher();
  private readonly deleter: DeleteBatcher;
  private readonly tracked = new Map<string, Tracked>();
  private readonly batches = new Set<Promise<void>>();
  /** Ends the transport's own waits (failure pauses) on shutdown; never passed to a receive. */
  private readonly stopWaits = new AbortController();
  private pollers: Promise<void>[] = [];
  private heartbeat?: NodeJS.Timeout;
  private visibilityTimeout = 30;
  private stopping = false;
  private drained?: Promise<void>;
  private capacityWaiters: Array<() => void> = [];
  private readonly slots: Semaphore;
  /** Consecutive messages that failed transiently: receiving pauses while a dependency is down. */
  private transientStreak = 0;

  constructor(private readonly options: SqsTransportOptions) {
    super();
    this.deleter = new DeleteBatcher(options.client, options.queueUrl);
    this.slots = new Semaphore(options.maxConcurrency ?? 10);
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(() => callback(), callback);
  }

  on(): never {
    throw new Error('SqsTransport has no events');
  }

  unwrap<T>(): T {
    return this.options.client as T;
  }

  close(): Promise<void> {
    return this.drain();
  }

  /** Stops receiving, lets running messages finish (up to the grace period) and releases the rest. */
  drain(): Promise<void> {
    this.drained ??= this.drainOnce();
    return this.drained;
  }

  private async start(): Promise<void> {
    this.visibilityTimeout = this.options.visibilityTimeoutSeconds ?? (await this.queueVisibilityTimeout());
    const heartbeatEvery = Math.max(1, Math.floor(this.visibilityTimeout / 3)) * 1000;
    this.heartbeat = setInterval(() => void this.extendVisibility(), heartbeatEvery);
    this.pollers = Array.from({ length: this.options.pollers ?? 2 }, () => this.pollLoop());
    this.log.log(`consuming ${this.options.queueUrl} (visibility ${this.visibilityTimeout}s)`);
  }

  private async drainOnce(): Promise<void> {
    this.stopping = true;
    this.stopWaits.abort();
    this.wakeCapacityWaiters();
    const grace = this.options.shutdownGraceMs ?? 20_000;
    const graceOver = sleep(grace);
    // Running receives are not aborted but awaited (at most waitTimeSeconds): whatever they still
    // return is released at once by startBatch, so no message is stranded in an abandoned poll.
    await Promise.allSettled(this.pollers);
    this.log.log('stopped receiving; draining');
    const finished = Promise.allSettled([...this.batches]);
    await Promise.race([finished, graceOver]);
    if (this.tracked.size > 0) {
      this.log.warn(`releasing ${this.tracked.size} unfinished message(s) after ${grace} ms`);
      await this.changeVisibility([...this.tracked.values()].map((item) => item.message), 0).catch(() => undefined);
      this.tracked.clear();
    }
    clearInterval(this.heartbeat);
    messagesInFlight.set(0);
  }

  private async pollLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      await this.waitForCapacity();
      await this.pauseWhileFailing();
      if (this.stopping) return;
      try {
        const { Messages = [] } = await this.options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.options.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        failures = 0;
        if (Messages.length === 0) continue;
        if (this.stopping) await this.releaseReceivedWhileStopping(Messages);
        else this.startBatch(Messages);
      } catch (error) {
        if (this.stopping) return;
        failures++;
        this.log.warn(`receive failed (${(error as Error).message}); retrying`);
        await sleep(Math.min(200 * 2 ** failures, 5000));
      }
    }
  }

  /** A poll that was running when the drain began returned messages: visible again at once. */
  private async releaseReceivedWhileStopping(messages: Message[]): Promise<void> {
    messagesReceived.inc(messages.length);
    this.log.log(`releasing ${messages.length} message(s) received while stopping`);
    await this.changeVisibility(messages, 0).catch((error) => this.log.warn(`release failed: ${(error as Error).message}`));
  }

  private startBatch(messages: Message[]): void {
    messagesReceived.inc(messages.length);
    const now = Date.now();
    const items = messages
      // Within one customer, FIFO sequence numbers give the send order.
      .sort((a, b) => compareSequence(a.Attributes?.SequenceNumber, b.Attributes?.SequenceNumber))
      .map((message) => {
        const parsed = parseOrderMessage(message.Body);
        const item: Tracked = {
          message,
          parsed,
          key: orderingKey(message, parsed),
          receivedAt: now,
          extendedAt: now,
          sentAt: Number(message.Attributes?.SentTimestamp ?? now),
        };
        this.tracked.set(message.ReceiptHandle!, item);
        return item;
      });
    this.updateGauges();
    const batch = this.dispatcher
      .dispatch(
        items,
        async (item) => {
          const verdict = await this.slots.run(() => this.handle(item));
          if (verdict.delete) await this.delete(item);
          return verdict.next;
        },
        (item) => this.release(item, 0),
      )
      .catch((error) => this.log.error(`batch failed: ${(error as Error).message}`))
      .finally(() => {
        this.batches.delete(batch);
        this.wakeCapacityWaiters();
      });
    this.batches.add(batch);
  }

  private async handle(item: Tracked): Promise<{ delete: boolean; next: ItemVerdict }> {
    if (this.stopping) {
      await this.release(item, 0);
      return { delete: false, next: 'stop-group' };
    }
    const { message } = item;
    const { parsed } = item;
    if (!parsed.ok) return this.deadLetter(item, { code: parsed.reason, detail: parsed.detail });
    const handler = this.getHandlerByPattern(parsed.message.type);
    if (!handler) return this.deadLetter(item, { code: 'UNKNOWN_TYPE', detail: `no handler for ${parsed.message.type}` });

    const envelope: SqsMessageEnvelope = {
      message: parsed.message,
      context: {
        source: 'sqs',
        correlationId: message.MessageAttributes?.correlationId?.StringValue,
        traceparent: message.MessageAttributes?.traceparent?.StringValue,
        messageId: message.MessageId!,
        receiveCount: receiveCount(message),
      },
    };
    try {
      await this.runWithRetries(async () => {
        await lastValueFrom(this.transformToObservable(await handler(envelope)), { defaultValue: undefined });
      });
      this.transientStreak = 0;
      messagesProcessed.inc({ type: parsed.message.type });
      this.log.debug({
        msg: `processed ${parsed.message.type} ${message.MessageId}`,
        receiveCount: envelope.context.receiveCount,
        correlationId: envelope.context.correlationId,
        traceparent: envelope.context.traceparent,
      });
      messageProcessingDuration.observe((Date.now() - item.receivedAt) / 1000);
      return { delete: true, next: 'continue' };
    } catch (error) {
      if (error instanceof PermanentMessageError) return this.deadLetter(item, { code: error.code, detail: error.message });
      // Transient (or unknown): leave it on the queue, visible again after a growing backoff; the
      // queue's redrive policy moves it to the DLQ after maxReceiveCount receives.
      const delay = this.backoffSeconds(envelope.context.receiveCount);
      this.log.warn({
        msg: `message ${message.MessageId} failed, retrying in ${delay}s: ${(error as Error).message}`,
        correlationId: envelope.context.correlationId,
        traceparent: envelope.context.traceparent,
      });
      messagesRetried.inc();
      this.transientStreak++;
      await this.release(item, delay);
      return { delete: false, next: 'stop-group' };
    }
  }

  private async deadLetter(item: Tracked, reason: DeadLetterReason): Promise<{ delete: boolean; next: ItemVerdict }> {
    try {
      await sendToDeadLetterQueue(this.options.client, this.options.dlqUrl, this.options.queueUrl, item.message, reason);
    } catch (error) {
      this.log.warn(`could not dead-letter ${item.message.MessageId}: ${(error as Error).message}`);
      await this.release(item, this.backoffSeconds(receiveCount(item.message)));
      return { delete: false, next: 'stop-group' };
    }
    messagesDeadLettered.inc({ reason: reason.code });
    this.log.warn(`message ${item.message.MessageId} dead-lettered: ${reason.code} ${reason.detail}`);
    return { delete: true, next: 'continue' };
  }

  /** Retries transient failures a couple of times in-process: a blip should not cost a receive. */
  private async runWithRetries(work: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const delay = IN_PROCESS_RETRY_DELAYS_MS[attempt];
        if (delay === undefined || this.stopping || !this.options.isTransient?.(error)) throw error;
        await sleep(delay);
      }
    }
  }

  /** While messages keep failing transiently (a dependency is down), receive less and less often. */
  private async pauseWhileFailing(): Promise<void> {
    if (this.transientStreak === 0) return;
    const ms = Math.min(500 * 2 ** Math.min(this.transientStreak - 1, 5), 15_000);
    await sleep(ms, undefined, { signal: this.stopWaits.signal }).catch(() => undefined);
  }

  private backoffSeconds(receives: number): number {
    const base = this.options.backoffBaseSeconds ?? 2;
    const max = this.options.backoffMaxSeconds ?? 300;
    return Math.min(max, base * 2 ** Math.max(0, receives - 1));
  }

  private async delete(item: Tracked): Promise<void> {
    // A failed delete only means a redelivery, which the idempotency key turns into a no-op.
    const failure = await this.deleter.delete(item.message.ReceiptHandle!);
    if (failure) this.log.warn(`delete of ${item.message.MessageId} failed: ${failure}`);
    this.tracked.delete(item.message.ReceiptHandle!);
    this.updateGauges();
  }

  private async release(item: Tracked, visibleInSeconds: number): Promise<void> {
    this.tracked.delete(item.message.ReceiptHandle!);
    this.updateGauges();
    await this.options.client
      .send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.options.queueUrl,
          ReceiptHandle: item.message.ReceiptHandle!,
          VisibilityTimeout: visibleInSeconds,
        }),
      )
      .catch((error) => this.log.warn(`release failed: ${(error as Error).message}`));
  }

  /** Heartbeat: keeps unfinished messages invisible while their customer's work goes on. */
  private async extendVisibility(): Promise<void> {
    const now = Date.now();
    const due = [...this.tracked.values()].filter((item) => now - item.extendedAt >= (this.visibilityTimeout * 1000) / 3);
    this.updateGauges();
    if (due.length === 0) return;
    for (const item of due) item.extendedAt = now;
    await this.changeVisibility(due.map((item) => item.message), this.visibilityTimeout).catch((error) =>
      this.log.warn(`visibility heartbeat failed: ${(error as Error).message}`),
    );
  }

  private async changeVisibility(messages: Message[], seconds: number): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      await this.options.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: messages.slice(i, i + 10).map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: seconds,
          })),
        }),
      );
    }
  }

  private async waitForCapacity(): Promise<void> {
    const max = this.options.maxInFlight ?? 100;
    while (!this.stopping && this.tracked.size + 10 > max) {
      await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
    }
  }

  private wakeCapacityWaiters(): void {
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const wake of waiters) wake();
  }

  private updateGauges(): void {
    messagesInFlight.set(this.tracked.size);
    let oldest = Infinity;
    for (const item of this.tracked.values()) oldest = Math.min(oldest, item.sentAt);
    oldestMessageAge.set(oldest === Infinity ? 0 : (Date.now() - oldest) / 1000);
  }

  private async queueVisibilityTimeout(): Promise<number> {
    const { Attributes } = await this.options.client.send(
      new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    return Number(Attributes?.VisibilityTimeout ?? 30);
  }
}

/** Messages are ordered per customer: the FIFO group, else the customer named in the body. */
function orderingKey(message: Message, parsed: ParsedMessage): string {
  const group = message.Attributes?.MessageGroupId;
  if (group) return group;
  return parsed.ok ? customerOf(parsed.message) : `message:${message.MessageId}`;
}

function receiveCount(message: Message): number {
  return Number(message.Attributes?.ApproximateReceiveCount ?? 1);
}

function compareSequence(a?: string, b?: string): number {
  if (!a || !b) return 0;
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** At most `size` tasks at once; the others wait their turn in FIFO order. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.size) this.active++;
    // A finishing task hands its slot straight to the next waiter.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
