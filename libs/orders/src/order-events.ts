import { randomUUID } from 'node:crypto';
import { Order } from '@orderflow/domain/order';
import { OutboxEvent } from '@orderflow/persistence/outbox.repository';

export type OrderEventType = 'order.confirmed' | 'order.rejected' | 'order.cancelled';

/** Where a command came from, carried into logs and outcome events. */
export interface CommandContext {
  source: 'http' | 'sqs';
  correlationId?: string;
  traceparent?: string;
}

/** An outcome event (contract: docs/contracts/order-event.schema.json). */
export function orderEvent(type: OrderEventType, order: Order, context: CommandContext): OutboxEvent {
  const eventId = randomUUID();
  return {
    eventId,
    customerId: order.customerId,
    type,
    payload: {
      eventId,
      type,
      version: 1,
      occurredAt: order.updatedAt,
      correlationId: context.correlationId ?? null,
      traceparent: context.traceparent ?? null,
      order,
    },
  };
}

export function placementEventType(order: Order): OrderEventType {
  return order.status === 'CONFIRMED' ? 'order.confirmed' : 'order.rejected';
}
