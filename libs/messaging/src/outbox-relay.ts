import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, QueryRunner } from 'typeorm';
import { OutboxRelayRepository, PendingEvent } from '@orderflow/persistence/outbox.repository';
import { eventsPublished } from '@orderflow/observability/metrics';
import { isFifoQueue } from './sqs-client';

/** Arbitrary constant: the advisory lock that elects the one relay allowed to publish. */
const RELAY_LOCK_ID = 7_265_001;
const BATCH = 100;

/**
 * Publishes outcome events from the outbox table to the events queue, at least once and in
 * per-customer order. Only one relay publishes at a time (a PostgreSQL advisory lock held by a
 * dedicated session): two relays could otherwise interleave one customer's events. Rows are
 * marked published after SQS accepted them, so a crash in between re-sends (consumers
 * deduplicate by eventId; FIFO queues also drop a resend within 5 minutes).
 */
export class OutboxRelay {
  private readonly log = new Logger('OutboxRelay');
  private readonly rows = new OutboxRelayRepository();
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly db: DataSource,
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly idleDelayMs = 200,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let session: QueryRunner | undefined;
      try {
        session = this.db.createQueryRunner();
        await session.connect();
        const [{ leader }] = await session.query(`SELECT pg_try_advisory_lock($1) AS leader`, [RELAY_LOCK_ID]);
        if (!leader) {
          await this.pause(2000);
          continue;
        }
        this.log.log('this worker relays the outbox');
        while (this.running) {
          const published = await this.publishBatch(session);
          if (published < BATCH) await this.pause(this.idleDelayMs);
        }
        await session.query(`SELECT pg_advisory_unlock($1)`, [RELAY_LOCK_ID]);
      } catch (error) {
        if (this.running) this.log.warn(`outbox relay paused: ${(error as Error).message}`);
        await this.pause(1000);
      } finally {
        await session?.release().catch(() => undefined);
      }
    }
  }

  /** Publishes the oldest pending events; returns how many were published. */
  private async publishBatch(session: QueryRunner): Promise<number> {
    const pending = await this.rows.pending(session.manager, BATCH);
    const published: string[] = [];
    const blockedCustomers = new Set<string>();
    for (let i = 0; i < pending.length; i += 10) {
      const chunk = pending.slice(i, i + 10).filter((event) => !blockedCustomers.has(event.customerId));
      if (chunk.length === 0) continue;
      const result = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: chunk.map((event, index) => this.entry(event, index)) }),
      );
      const failed = new Set((result.Failed ?? []).map((f) => Number(f.Id)));
      chunk.forEach((event, index) => {
        // After a failure, later events of that customer wait, or they would overtake it.
        if (failed.has(index) || blockedCustomers.has(event.customerId)) blockedCustomers.add(event.customerId);
        else published.push(event.id);
      });
    }
    await this.rows.markPublished(session.manager, published);
    eventsPublished.inc(published.length);
    return published.length;
  }

  private entry(event: PendingEvent, index: number) {
    const attributes: Record<string, { DataType: string; StringValue: string }> = {
      eventType: { DataType: 'String', StringValue: event.type },
    };
    for (const name of ['correlationId', 'traceparent'] as const) {
      const value = event.payload[name];
      if (typeof value === 'string' && value) attributes[name] = { DataType: 'String', StringValue: value };
    }
    return {
      Id: String(index),
      MessageBody: JSON.stringify(event.payload),
      MessageAttributes: attributes,
      ...(isFifoQueue(this.queueUrl) ? { MessageGroupId: event.customerId, MessageDeduplicationId: event.eventId } : {}),
    };
  }

  private async pause(ms: number): Promise<void> {
    await Promise.race([sleep(ms), new Promise<void>((resolve) => (this.wake = resolve))]);
  }
}
