import { DeleteMessageBatchCommand, Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from 'pg';

/** An outcome event as the outbox holds it, in outbox (commit) order. */
export interface OutboxEventRow {
  event_id: string;
  customer_id: string;
}

export interface EventDeliveries {
  /** Outbox events looked for. */
  expected: number;
  /** Messages of the customers looked at, redeliveries included. */
  received: number;
  /** Outbox events never seen on the queue. */
  missing: string[];
  /** Customers whose events (first deliveries) did not arrive in outbox order. */
  outOfOrder: string[];
  /** The same eventId received twice (consumers dedupe by eventId; reported, not a violation). */
  duplicates: number;
}

/**
 * Compares the messages read from the events queue with the outbox rows: every committed outcome
 * must have arrived, each customer's in outbox order. Messages of other customers (not starting
 * with customerPrefix) or of other producers are ignored.
 */
export function checkEventDeliveries(messages: readonly Message[], outbox: readonly OutboxEventRow[], customerPrefix = ''): EventDeliveries {
  const seen = new Set<string>();
  const firstDeliveries = new Map<string, string[]>();
  let received = 0;
  let duplicates = 0;
  for (const message of messages) {
    const event = parseEvent(message.Body);
    const customerId = event?.order?.customerId;
    if (!event?.eventId || !customerId?.startsWith(customerPrefix)) continue;
    received++;
    if (seen.has(event.eventId)) {
      duplicates++;
      continue;
    }
    seen.add(event.eventId);
    firstDeliveries.set(customerId, [...(firstDeliveries.get(customerId) ?? []), event.eventId]);
  }
  const missing = outbox.filter((row) => !seen.has(row.event_id)).map((row) => row.event_id);
  const expectedOrder = new Map<string, string[]>();
  for (const row of outbox) if (seen.has(row.event_id)) expectedOrder.set(row.customer_id, [...(expectedOrder.get(row.customer_id) ?? []), row.event_id]);
  const outOfOrder: string[] = [];
  for (const [customerId, expected] of expectedOrder) {
    const delivered = (firstDeliveries.get(customerId) ?? []).filter((id) => expected.includes(id));
    if (delivered.join() !== expected.join()) outOfOrder.push(customerId);
  }
  return { expected: outbox.length, received, missing, outOfOrder, duplicates };
}

export interface EventsQueueReport {
  expected: number;
  received: number;
  missing: number;
  /** Customers whose events arrived out of outbox order. */
  outOfOrder: number;
  duplicates: number;
  examples: string[];
}

/**
 * Reads the events queue as a downstream consumer would (receive, delete) until every outcome
 * event of the run's customers has arrived or the queue stays empty for quietMs, and checks the
 * deliveries against the outbox.
 */
export async function drainEventsQueue(sqs: SQSClient, queueUrl: string, pool: Pool, customerPrefix: string, quietMs = 5_000): Promise<EventsQueueReport> {
  const { rows } = await pool.query<OutboxEventRow>(`SELECT event_id, customer_id FROM outbox_events WHERE customer_id LIKE $1 ORDER BY id`, [
    `${customerPrefix}%`,
  ]);
  const expected = new Set(rows.map((row) => row.event_id));
  const seen = new Set<string>();
  const messages = await drainQueue(sqs, queueUrl, Math.max(1, Math.ceil(quietMs / 1000)), (batch) => {
    for (const message of batch) {
      const id = parseEvent(message.Body)?.eventId;
      if (id && expected.has(id)) seen.add(id);
    }
    return seen.size >= expected.size;
  });
  const check = checkEventDeliveries(messages, rows, customerPrefix);
  const examples = [
    ...check.outOfOrder.map((customerId) => `events queue: ${customerId}'s events arrived out of order`),
    ...check.missing.map((id) => `events queue: event ${id} never arrived`),
  ].slice(0, 10);
  return { ...check, missing: check.missing.length, outOfOrder: check.outOfOrder.length, examples };
}

/**
 * Reads (and deletes) what is on a queue until `until` says enough (given each batch as it
 * arrives) or `idleRounds` receives in a row (1 s long polls) came back empty.
 */
export async function drainQueue(client: SQSClient, queueUrl: string, idleRounds = 2, until?: (batch: Message[]) => boolean): Promise<Message[]> {
  const all: Message[] = [];
  let idle = 0;
  while (idle < idleRounds) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      idle++;
      continue;
    }
    idle = 0;
    all.push(...Messages);
    await client.send(
      new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
    if (until?.(Messages)) break;
  }
  return all;
}

function parseEvent(body: string | undefined): { eventId?: string; order?: { customerId?: string } } | undefined {
  try {
    return JSON.parse(body ?? '{}');
  } catch {
    return undefined; // another producer's message: not ours
  }
}
