import { GetQueueAttributesCommand, Message, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { FailurePolicy, FailurePolicyOptions } from './failure-policy';
import { DecodedMessage, MessageDecoder } from './message-decoder';
import { ReceiveLoop } from './receive-loop';
import { Semaphore } from './semaphore';
import { receiveCount, SqsContext } from './sqs-context';
import { releaseMessage, VisibilityHeartbeat } from './visibility';

export interface SqsTransportOptions<T> extends FailurePolicyOptions {
  client: SQSClient;
  queueUrl: string;
  dlqUrl: string;
  /** Reads a body into a handler pattern and payload; a failure sends the message to the DLQ. */
  decode: MessageDecoder<T>;
  /** Concurrent ReceiveMessage loops, so that several batches are in flight. */
  pollers?: number;
  /** Long polling wait, 0..20 s; also bounds how long a shutdown waits for running polls. */
  waitTimeSeconds?: number;
  /** Receiving pauses while this many messages are unfinished. */
  maxInFlight?: number;
  /** How long a processed message may wait for others to share its DeleteMessageBatch (delete-batcher.ts). */
  deleteLingerMs?: number;
  /** Read from the queue when not given. */
  visibilityTimeoutSeconds?: number;
  /** How long SIGTERM waits for running messages before releasing them. */
  shutdownGraceMs?: number;
  /**
   * Messages processed at the same time, at most; keep it within the database pool, or messages
   * time out waiting for a connection and burn their receive count.
   */
  maxConcurrency?: number;
  /** The `queue` label of this transport's gauges (several transports in one process): default `orders`. */
  role?: string;
  /** Handed to handlers as `SqsContext.queueLabel` (e.g. the worker version whose queue this is). */
  queueLabel?: string;
  /**
   * Receives after which a transient failure dead-letters the message itself (reason
   * MAX_RECEIVES_EXCEEDED) instead of leaving it to the queue's redrive policy, so that
   * `onDeadLettered` hears of it. Unset: only the redrive policy counts.
   */
  maxReceives?: number;
  /** Called once a message is on the DLQ (before it is deleted here), with its decoded payload if it had one. */
  onDeadLettered?: (payload: T | undefined, message: Message) => Promise<void>;
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

interface Item<T> {
  message: Message;
  /** The body decoded once, on receipt. */
  decoded: DecodedMessage<T>;
  /** Messages with the same key run one after another, in receive (FIFO sequence) order. */
  key: string;
  receivedAt: number;
}

/**
 * @nestjs/microservices transport over SQS for any message: long polling in batches of up to
 * 10 (receive-loop.ts), one key's messages strictly in order and different keys in parallel
 * (customer-serial-dispatcher.ts), visibility heartbeats (visibility.ts), retry and dead-letter
 * decisions (failure-policy.ts) and a drain on shutdown that strands nothing. Handlers are
 * `@MessagePattern(pattern)` methods taking `@Payload()` and `@Ctx() SqsContext`.
 */
export class SqsTransport<T = unknown> extends Server implements CustomTransportStrategy {
  private readonly log = new Logger('SqsTransport');
  private readonly dispatcher = new CustomerSerialDispatcher();
  private readonly deleter: DeleteBatcher;
  private readonly batches = new Set<Promise<void>>();
  private readonly slots: Semaphore;
  private readonly failures: FailurePolicy;
  private readonly heartbeat: VisibilityHeartbeat;
  private readonly receiver: ReceiveLoop;
  private stopping = false;
  private drained?: Promise<void>;
  /** Handlers by pattern, looked up once: Nest's lookup JSON-parses the pattern and throws for a plain string. */
  private readonly handlers = new Map<string, MessageHandler>();

  constructor(private readonly options: SqsTransportOptions<T>) {
    super();
    this.deleter = new DeleteBatcher(options.client, options.queueUrl, options.deleteLingerMs);
    this.slots = new Semaphore(options.maxConcurrency ?? 10);
    this.failures = new FailurePolicy(options);
    this.heartbeat = new VisibilityHeartbeat(
      options.client,
      options.queueUrl,
      {
        onCount: (count) => messagesInFlight.set({ queue: options.role ?? 'orders' }, count),
        onOldest: (sentAt) => oldestMessageAge.set({ queue: options.role ?? 'orders' }, sentAt === undefined ? 0 : (Date.now() - sentAt) / 1000),
      },
      (error) => this.log.warn(`visibility change failed: ${error.message}`),
    );
    const maxInFlight = options.maxInFlight ?? 100;
    this.receiver = new ReceiveLoop({
      client: options.client,
      queueUrl: options.queueUrl,
      pollers: options.pollers ?? 2,
      waitTimeSeconds: options.waitTimeSeconds ?? 20,
      // Counting what running receives may still bring: maxInFlight holds however many pollers wake at once.
      hasRoom: (pending) => this.heartbeat.size + pending + 10 <= maxInFlight,
      pauseMs: () => this.failures.receivePauseMs(),
      onMessages: (messages) => this.startBatch(messages),
      onReceivedWhileStopping: (count) => {
        messagesReceived.inc(count);
        this.log.log(`releasing ${count} message(s) received while stopping`);
      },
      onError: (message) => this.log.warn(message),
    });
  }

  listen(callback: (error?: unknown) => void): void {
    this.start().then(() => callback(), callback);
  }

  on(): never {
    throw new Error('SqsTransport has no events');
  }

  unwrap<C>(): C {
    return this.options.client as C;
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
    const visibilityTimeout = this.options.visibilityTimeoutSeconds ?? (await this.queueVisibilityTimeout());
    this.heartbeat.start(visibilityTimeout);
    this.receiver.start();
    this.log.log(`consuming ${this.options.queueUrl} (visibility ${visibilityTimeout}s)`);
  }

  private async drainOnce(): Promise<void> {
    this.stopping = true;
    this.deleter.stopLingering();
    const grace = this.options.shutdownGraceMs ?? 20_000;
    const graceTimer = new AbortController();
    const graceOver = sleep(grace, undefined, { signal: graceTimer.signal }).catch(() => undefined);
    // Running receives are awaited, not aborted: see ReceiveLoop.stop().
    await this.receiver.stop();
    this.log.log('stopped receiving; draining');
    await Promise.race([Promise.allSettled([...this.batches]), graceOver]);
    graceTimer.abort();
    const released = await this.heartbeat.releaseAll();
    if (released > 0) this.log.warn(`released ${released} unfinished message(s) after ${grace} ms`);
    this.heartbeat.stop();
  }

  private startBatch(messages: Message[]): void {
    messagesReceived.inc(messages.length);
    const now = Date.now();
    const items = messages
      // Within one FIFO group, sequence numbers give the send order.
      .sort((a, b) => compareSequence(a.Attributes?.SequenceNumber, b.Attributes?.SequenceNumber))
      .map((message): Item<T> => {
        const decoded = this.options.decode(message.Body);
        this.heartbeat.hold(message, now);
        return { message, decoded, key: orderingKey(message, decoded), receivedAt: now };
      });
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
        this.receiver.roomFreed();
      });
    this.batches.add(batch);
  }

  private async handle(item: Item<T>): Promise<{ delete: boolean; next: ItemVerdict }> {
    if (this.stopping) {
      await this.release(item, 0);
      return { delete: false, next: 'stop-group' };
    }
    const { message, decoded } = item;
    if (!decoded.ok) return this.deadLetter(item, { code: decoded.reason, detail: decoded.detail });
    const handler = this.handlerFor(decoded.pattern);
    if (!handler) return this.deadLetter(item, { code: 'UNKNOWN_TYPE', detail: `no handler for ${decoded.pattern}` });

    const context = new SqsContext(message, this.options.queueLabel);
    const trace = { correlationId: context.attribute('correlationId'), traceparent: context.attribute('traceparent') };
    try {
      await this.failures.runWithRetries(
        async () => {
          await lastValueFrom(this.transformToObservable(await handler(decoded.payload, context)), { defaultValue: undefined });
        },
        () => this.stopping,
      );
      this.failures.succeeded();
      messagesProcessed.inc({ type: decoded.pattern });
      this.log.debug({ msg: `processed ${decoded.pattern} ${message.MessageId}`, receiveCount: context.receiveCount, ...trace });
      messageProcessingDuration.observe((Date.now() - item.receivedAt) / 1000);
      return { delete: true, next: 'continue' };
    } catch (error) {
      if (error instanceof PermanentMessageError) return this.deadLetter(item, { code: error.code, detail: error.message });
      if (this.options.maxReceives !== undefined && context.receiveCount >= this.options.maxReceives) {
        return this.deadLetter(item, { code: 'MAX_RECEIVES_EXCEEDED', detail: `failed on ${context.receiveCount} receives, last: ${(error as Error).message}` });
      }
      // Transient (or unknown): leave it on the queue, visible again after a growing backoff; the
      // queue's redrive policy moves it to the DLQ after maxReceiveCount receives.
      const delay = this.failures.backoffSeconds(context.receiveCount);
      this.log.warn({ msg: `message ${message.MessageId} failed, retrying in ${delay}s: ${(error as Error).message}`, ...trace });
      messagesRetried.inc();
      this.failures.failedTransiently();
      await this.release(item, delay);
      return { delete: false, next: 'stop-group' };
    }
  }

  /** Only found handlers are kept: patterns come from message bodies, so unknown ones must not grow the map. */
  private handlerFor(pattern: string): MessageHandler | null {
    let handler = this.handlers.get(pattern) ?? null;
    if (!handler) {
      handler = this.getHandlerByPattern(pattern);
      if (handler) this.handlers.set(pattern, handler);
    }
    return handler;
  }

  private async deadLetter(item: Item<T>, reason: DeadLetterReason): Promise<{ delete: boolean; next: ItemVerdict }> {
    try {
      await sendToDeadLetterQueue(this.options.client, this.options.dlqUrl, this.options.queueUrl, item.message, reason);
    } catch (error) {
      this.log.warn(`could not dead-letter ${item.message.MessageId}: ${(error as Error).message}`);
      await this.release(item, this.failures.backoffSeconds(receiveCount(item.message)));
      return { delete: false, next: 'stop-group' };
    }
    if (this.options.onDeadLettered) {
      // Not deleted until this is told: a failure leaves both copies, and the next receive tells again.
      try {
        await this.options.onDeadLettered(item.decoded.ok ? item.decoded.payload : undefined, item.message);
      } catch (error) {
        this.log.warn(`dead letter ${item.message.MessageId} not acknowledged: ${(error as Error).message}`);
        await this.release(item, this.failures.backoffSeconds(receiveCount(item.message)));
        return { delete: false, next: 'stop-group' };
      }
    }
    messagesDeadLettered.inc({ reason: reason.code });
    this.log.warn(`message ${item.message.MessageId} dead-lettered: ${reason.code} ${reason.detail}`);
    return { delete: true, next: 'continue' };
  }

  private async delete(item: Item<T>): Promise<void> {
    // A failed delete only means a redelivery, which the idempotency key turns into a no-op.
    const failure = await this.deleter.delete(item.message.ReceiptHandle!);
    if (failure) this.log.warn(`delete of ${item.message.MessageId} failed: ${failure}`);
    this.heartbeat.forget(item.message);
  }

  private async release(item: Item<T>, visibleInSeconds: number): Promise<void> {
    this.heartbeat.forget(item.message);
    await releaseMessage(this.options.client, this.options.queueUrl, item.message, visibleInSeconds).catch((error) =>
      this.log.warn(`release failed: ${(error as Error).message}`),
    );
  }

  private async queueVisibilityTimeout(): Promise<number> {
    const { Attributes } = await this.options.client.send(
      new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    return Number(Attributes?.VisibilityTimeout ?? 30);
  }
}

/** The FIFO group orders messages; on a standard queue, the key the decoder names. */
function orderingKey<T>(message: Message, decoded: DecodedMessage<T>): string {
  const group = message.Attributes?.MessageGroupId;
  if (group) return group;
  return (decoded.ok && decoded.orderingKey) || `message:${message.MessageId}`;
}

function compareSequence(a?: string, b?: string): number {
  if (!a || !b) return 0;
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
