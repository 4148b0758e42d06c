import { orderSchema } from './order.schema';

/**
 * Outcome event contract v1, published to the events queue at least once and in order per
 * customer (docs/messages.md). Consumers deduplicate by `eventId`.
 */
export const orderEventSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://orderflow.example/schemas/order-event.v1.json',
  title: 'Orderflow order outcome event, version 1',
  description:
    'Body of a message on the order events queue. FIFO: MessageGroupId = customerId, MessageDeduplicationId = eventId. Message attributes: eventType, correlationId and traceparent when known.',
  type: 'object',
  required: ['eventId', 'type', 'version', 'occurredAt', 'correlationId', 'traceparent', 'order'],
  properties: {
    eventId: { type: 'string', format: 'uuid', description: 'Unique per event; the same on a redelivery' },
    type: { enum: ['order.confirmed', 'order.rejected', 'order.cancelled'] },
    version: { const: 1 },
    occurredAt: { type: 'string', format: 'date-time' },
    correlationId: { type: ['string', 'null'] },
    traceparent: { type: ['string', 'null'] },
    order: orderSchema,
  },
} as const;
