import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Pool } from 'pg';

export interface EventsQueueReport {
  /** Outcome events of the run in the outbox. */
  expected: number;
  received: number;
  /** Outbox events never seen on the events queue. */
  missing: number;
  /** Per customer, events received after an event of a later orderNumber. */
  outOfOrder: number;
  /** The same eventId received twice (consumers dedupe by eventId; reported, not a violation). */
  duplicates: number;
  examples: string[];
}

interface EventBody {
  eventId?: string;
  type?: string;
  order?: { customerId?: string; orderNumber?: number };
}

/**
 * Reads the events queue as a downstream consumer would (receive, delete) until every outcome
 * event of the run has arrived or the queue stays empty, and checks that each arrived and that
 * each customer's events arrived in orderNumber order.
 */
export async function drainEventsQueue(sqs: SQSClient, queueUrl: string, pool: Pool, customerPrefix: string, quietMs = 5_000): Promise<EventsQueueReport> {
  const { rows } = await pool.query<{ event_id: string; customer_id: string; type: string }>(
    `SELECT event_id, customer_id, type FROM outbox_events WHERE customer_id LIKE $1 ORDER BY id`,
    [`${customerPrefix}%`],
  );
  const expected = new Set(rows.map((row) => row.event_id));
  const seen = new Set<string>();
  const lastNumber = new Map<string, number>();
  const report: EventsQueueReport = { expected: expected.size, received: 0, missing: 0, outOfOrder: 0, duplicates: 0, examples: [] };
  let lastMessageAt = Date.now();
  while (seen.size < expected.size && Date.now() - lastMessageAt < quietMs) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) continue;
    lastMessageAt = Date.now();
    for (const message of Messages) {
      let body: EventBody = {};
      try {
        body = JSON.parse(message.Body ?? '{}') as EventBody;
      } catch {
        // counted as missing below if it was ours
      }
      const customerId = body.order?.customerId;
      if (!body.eventId || !customerId?.startsWith(customerPrefix)) continue;
      report.received++;
      if (seen.has(body.eventId)) {
        report.duplicates++;
        continue;
      }
      seen.add(body.eventId);
      if (body.type === 'order.confirmed' || body.type === 'order.rejected') {
        const number = body.order?.orderNumber ?? 0;
        const previous = lastNumber.get(customerId) ?? 0;
        if (number <= previous) {
          report.outOfOrder++;
          if (report.examples.length < 10) report.examples.push(`events queue: ${customerId} #${number} arrived after #${previous}`);
        }
        lastNumber.set(customerId, Math.max(previous, number));
      }
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
  }
  for (const id of expected) {
    if (!seen.has(id)) {
      report.missing++;
      if (report.examples.length < 10) report.examples.push(`events queue: event ${id} never arrived`);
    }
  }
  return report;
}
