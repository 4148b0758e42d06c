import { customerAccountSchema, inventorySchema } from './order-requests';
import { idSchema, lineItemSchema, placeOrderSchema } from './place-order.schema';
import { orderSchema } from './order.schema';

/**
 * The OpenAPI 3.1 document of REST contract v1, served at /openapi.json and /docs. Request
 * schemas are the very ones the API validates with, so the document cannot drift from them.
 */
const { $id: _id, ...placeOrder } = placeOrderSchema;

const problem = {
  description: 'RFC 9457 problem details',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
const orderResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } },
});
const pathParam = (name: string, schema: object = idSchema) => ({ name, in: 'path', required: true, schema });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [String(code), problem]));
const secured = (scope: string) => ({ security: [{ apiKey: [scope] }] });

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Orderflow API',
    version: '1.0.0',
    description:
      'Order intake for storefronts. Every error is application/problem+json (RFC 9457) with a stable `type`; see docs/api.md.',
  },
  components: {
    securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created with `npm run apikey`' } },
    schemas: {
      PlaceOrder: placeOrder,
      LineItem: lineItemSchema,
      Order: orderSchema,
      OrderPage: {
        type: 'object',
        properties: {
          orders: { type: 'array', items: { $ref: '#/components/schemas/Order' } },
          nextCursor: { type: ['string', 'null'], description: 'Pass as `after` for the next page' },
        },
      },
      CustomerAccountUpdate: customerAccountSchema,
      CustomerAccount: {
        type: 'object',
        properties: {
          id: idSchema,
          currency: { type: 'string' },
          creditLimitCents: { type: ['integer', 'null'] },
          openBalanceCents: { type: 'integer' },
          lastOrderNumber: { type: 'integer' },
        },
      },
      InventoryUpdate: inventorySchema,
      Inventory: {
        type: 'object',
        properties: { sku: idSchema, available: { type: 'integer' }, updatedAt: { type: 'string', format: 'date-time' } },
      },
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status'],
        properties: {
          type: { type: 'string', format: 'uri' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
          errors: {
            type: 'array',
            items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
    },
  },
  paths: {
    '/v1/orders': {
      post: {
        summary: 'Place an order',
        description:
          '(customerId, clientOrderId) is the idempotency key: a new order answers 201, the same request again 200 with the same order, the same key with a different payload 409.',
        ...secured('orders:write'),
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PlaceOrder' } } } },
        responses: {
          '201': { ...orderResponse('Processed (CONFIRMED or REJECTED)'), headers: { Location: { schema: { type: 'string' } } } },
          '200': orderResponse('Replay of an order already processed'),
          ...errors(400, 401, 403, 409, 413, 415, 503),
        },
      },
    },
    '/v1/orders/{id}': {
      get: {
        summary: 'Get an order by id',
        ...secured('orders:read'),
        parameters: [pathParam('id', { type: 'string', format: 'uuid' })],
        responses: { '200': orderResponse('The order'), ...errors(401, 403, 404) },
      },
    },
    '/v1/orders/{id}/cancel': {
      post: {
        summary: 'Cancel a confirmed order (releases its stock and credit)',
        ...secured('orders:write'),
        parameters: [pathParam('id', { type: 'string', format: 'uuid' })],
        responses: { '200': orderResponse('Cancelled (or already cancelled: no-op)'), ...errors(401, 403, 404, 409, 503) },
      },
    },
    '/v1/customers/{customerId}/orders/{clientOrderId}': {
      get: {
        summary: "Get an order by the storefront's id",
        ...secured('orders:read'),
        parameters: [pathParam('customerId'), pathParam('clientOrderId')],
        responses: { '200': orderResponse('The order'), ...errors(400, 401, 403, 404) },
      },
    },
    '/v1/customers/{customerId}/orders': {
      get: {
        summary: "List a customer's orders by orderNumber",
        ...secured('orders:read'),
        parameters: [
          pathParam('customerId'),
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 }, description: 'Cursor: orderNumber to start after' },
        ],
        responses: {
          '200': { description: 'One page', content: { 'application/json': { schema: { $ref: '#/components/schemas/OrderPage' } } } },
          ...errors(400, 401, 403),
        },
      },
    },
    '/v1/customers/{customerId}': {
      put: {
        summary: 'Create or update a customer account',
        ...secured('admin'),
        parameters: [pathParam('customerId')],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CustomerAccountUpdate' } } } },
        responses: {
          '200': { description: 'Updated', content: { 'application/json': { schema: { $ref: '#/components/schemas/CustomerAccount' } } } },
          '201': { description: 'Created', content: { 'application/json': { schema: { $ref: '#/components/schemas/CustomerAccount' } } } },
          ...errors(400, 401, 403),
        },
      },
      get: {
        summary: 'Get a customer account',
        ...secured('admin'),
        parameters: [pathParam('customerId')],
        responses: {
          '200': { description: 'The account', content: { 'application/json': { schema: { $ref: '#/components/schemas/CustomerAccount' } } } },
          ...errors(401, 403, 404),
        },
      },
    },
    '/v1/inventory/{sku}': {
      put: {
        summary: 'Set the available stock of a SKU (makes it stock-tracked)',
        ...secured('admin'),
        parameters: [pathParam('sku')],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/InventoryUpdate' } } } },
        responses: {
          '200': { description: 'Updated', content: { 'application/json': { schema: { $ref: '#/components/schemas/Inventory' } } } },
          '201': { description: 'Created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Inventory' } } } },
          ...errors(400, 401, 403),
        },
      },
      get: {
        summary: 'Get the stock record of a SKU',
        ...secured('admin'),
        parameters: [pathParam('sku')],
        responses: {
          '200': { description: 'The record', content: { 'application/json': { schema: { $ref: '#/components/schemas/Inventory' } } } },
          ...errors(401, 403, 404),
        },
      },
    },
    '/health/live': { get: { summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
    '/health/ready': { get: { summary: 'Readiness (PostgreSQL, Redis)', responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition' } } } },
  },
};
