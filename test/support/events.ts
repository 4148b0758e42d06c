import { Message } from '@aws-sdk/client-sqs';

export interface EventCheck {
  /** Distinct events (by eventId) per committed outcome. */
  missing: string[];
  duplicatesOnQueue: number;
  /** Customers whose events (first deliveries) are not in orderNumber/outbox order. */
  outOfOrder: string[];
}

/**
 * Compares the events read from the events queue with the outbox rows: every committed outcome
 * must have its event, in per-customer order. Redeliveries (same eventId) are counted, not failed.
 */
export function checkEvents(messages: Message[], outbox: Array<{ event_id: string; customer_id: string }>): EventCheck {
  const seen = new Set<string>();
  const firstDeliveries: Array<{ eventId: string; customerId: string }> = [];
  let duplicatesOnQueue = 0;
  for (const message of messages) {
    const event = JSON.parse(message.Body!);
    if (seen.has(event.eventId)) duplicatesOnQueue++;
    else {
      seen.add(event.eventId);
      firstDeliveries.push({ eventId: event.eventId, customerId: event.order.customerId });
    }
  }
  const missing = outbox.filter((row) => !seen.has(row.event_id)).map((row) => row.event_id);
  const expectedOrder = new Map<string, string[]>();
  for (const row of outbox) expectedOrder.set(row.customer_id, [...(expectedOrder.get(row.customer_id) ?? []), row.event_id]);
  const outOfOrder: string[] = [];
  for (const [customerId, expected] of expectedOrder) {
    const delivered = firstDeliveries.filter((e) => e.customerId === customerId).map((e) => e.eventId);
    if (delivered.join() !== expected.filter((id) => seen.has(id)).join()) outOfOrder.push(customerId);
  }
  return { missing, duplicatesOnQueue, outOfOrder };
}
