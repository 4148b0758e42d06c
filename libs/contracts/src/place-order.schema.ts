/**
 * JSON Schema of an order request: the body of POST /v1/orders and the `order` of an
 * `order.place` message. One schema validates both paths and feeds the OpenAPI document.
 */
export const ID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';

export const idSchema = { type: 'string', pattern: ID_PATTERN, minLength: 1, maxLength: 64 } as const;

export const lineItemSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sku', 'quantity', 'unitPriceCents'],
  properties: {
    sku: idSchema,
    quantity: { type: 'integer', minimum: 1, maximum: 10000 },
    unitPriceCents: { type: 'integer', minimum: 0, maximum: 100000000 },
  },
} as const;

export const placeOrderSchema = {
  $id: 'https://orderflow.example/schemas/place-order.json',
  title: 'PlaceOrder',
  type: 'object',
  additionalProperties: false,
  required: ['customerId', 'clientOrderId', 'currency', 'items'],
  properties: {
    customerId: idSchema,
    clientOrderId: idSchema,
    currency: { type: 'string', pattern: '^[A-Z]{3}$', 'x-iso4217': true, description: 'ISO 4217 alphabetic code' },
    items: { type: 'array', minItems: 1, maxItems: 100, items: lineItemSchema },
    shippingAddress: { type: ['object', 'null'], additionalProperties: true },
    metadata: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;
