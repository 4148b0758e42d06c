import { idSchema, placeOrderSchema } from './place-order.schema';

/**
 * Message contract v1 of the orders queue (docs/messages.md). The body of an `order.place`
 * message carries exactly the body of POST /v1/orders.
 */
const { $id: _id, title: _title, ...placeOrderBody } = placeOrderSchema;

export const placeOrderMessageSchema = {
  title: 'order.place v1',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'version', 'order'],
  properties: {
    type: { const: 'order.place' },
    version: { const: 1 },
    order: placeOrderBody,
  },
} as const;

export const cancelOrderMessageSchema = {
  title: 'order.cancel v1',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'version', 'customerId', 'orderId'],
  properties: {
    type: { const: 'order.cancel' },
    version: { const: 1 },
    customerId: idSchema,
    orderId: { type: 'string', format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' },
  },
} as const;

export const orderMessageSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://orderflow.example/schemas/order-message.v1.json',
  title: 'Orderflow order command message, version 1',
  description:
    'Body of a message on the orders queue. FIFO queues: MessageGroupId = customerId, MessageDeduplicationId = clientOrderId (place) or "cancel:" + orderId (cancel). Optional String message attributes: correlationId, traceparent.',
  oneOf: [placeOrderMessageSchema, cancelOrderMessageSchema],
} as const;
