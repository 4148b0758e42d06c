import { idSchema, lineItemSchema } from './place-order.schema';

/** The order JSON: the body of REST answers (OpenAPI) and the `order` of every outcome event. */
export const orderSchema = {
  type: 'object',
  required: ['id', 'customerId', 'clientOrderId', 'orderNumber', 'status', 'rejectionReason', 'currency', 'totalCents', 'items', 'source', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    customerId: idSchema,
    clientOrderId: idSchema,
    orderNumber: { type: 'integer', minimum: 1, description: '1..N per customer, in processing order, no gaps' },
    status: { enum: ['CONFIRMED', 'REJECTED', 'CANCELLED'] },
    rejectionReason: { enum: ['CURRENCY_MISMATCH', 'CREDIT_LIMIT_EXCEEDED', 'INSUFFICIENT_STOCK', null] },
    currency: { type: 'string' },
    totalCents: { type: 'integer', description: 'Computed from the items' },
    items: { type: 'array', items: lineItemSchema },
    shippingAddress: { type: ['object', 'null'] },
    metadata: { type: ['object', 'null'] },
    source: { enum: ['http', 'sqs'] },
    processedByVersion: {
      type: ['string', 'null'],
      description: 'ORDERFLOW_VERSION of the instance that placed the order; null for orders placed before versions were recorded (absent from events published before then)',
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;
