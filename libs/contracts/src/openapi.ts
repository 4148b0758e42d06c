import { customerAccountSchema, inventorySchema } from './order-requests';
import { idSchema, placeOrderSchema } from './place-order.schema';
import { orderSchema } from './order.schema';
import {
  BODY_PROBLEMS,
  bearerSecurityScheme,
  contact,
  jsonBody,
  jsonResponse,
  license,
  operationsRoutes,
  operationsSchemas,
  operationsTag,
  pathParam,
  problemSchema,
  route,
} from './openapi-helpers';

/**
 * The OpenAPI 3.1 document of REST contract v1, served at /openapi.json and /docs, committed as
 * docs/contracts/openapi.json (the client's types are generated from it). Request schemas are the
 * very ones the API validates with, so the document cannot drift from them. A new route is one
 * `route({...})` entry in `paths` (see openapi-helpers.ts).
 */
const { $id: _id, ...placeOrder } = placeOrderSchema;

const orderIdParam = pathParam('id', { type: 'string', format: 'uuid' }, 'The order id assigned by Orderflow', 'f54c09fc-b1eb-42ff-b048-8b39ef3bec4d');
const customerIdParam = pathParam('customerId', idSchema, "The storefront's customer id", 'cust-1');

export const placeOrderExample = {
  customerId: 'cust-1',
  clientOrderId: 'order-1',
  currency: 'EUR',
  items: [
    { sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 },
    { sku: 'SKU-2', quantity: 1, unitPriceCents: 99 },
  ],
  shippingAddress: { line1: '1 Main St', city: 'Lyon', country: 'FR' },
  metadata: { channel: 'web' },
};
const orderExample = {
  id: 'f54c09fc-b1eb-42ff-b048-8b39ef3bec4d',
  ...placeOrderExample,
  orderNumber: 1,
  status: 'CONFIRMED',
  rejectionReason: null,
  totalCents: 2599,
  source: 'http',
  createdAt: '2026-11-24T13:55:34.888Z',
  updatedAt: '2026-11-24T13:55:34.888Z',
};
const cancelledExample = { ...orderExample, status: 'CANCELLED', updatedAt: '2026-11-24T14:02:10.120Z' };
const accountExample = { id: 'cust-1', currency: 'EUR', creditLimitCents: 50000, openBalanceCents: 2599, lastOrderNumber: 1 };
const inventoryExample = { sku: 'SKU-9', available: 12, updatedAt: '2026-11-24T13:55:36.600Z' };
const maintenanceExample = { enabled: true, source: 'admin' };

const orderLocation = { Location: { description: '/v1/orders/{id}', schema: { type: 'string' } } };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Orderflow API',
    version: '1.0.0',
    description:
      'Order intake for storefronts. Every error is application/problem+json (RFC 9457) with a stable `type`; see docs/api.md. ' +
      'A typed client generated from this document is `@orderflow/client` (libs/client).',
    contact,
    license,
  },
  servers: [{ url: 'http://127.0.0.1:3000', description: 'Local API started by `npm start`' }],
  tags: [
    { name: 'orders', description: 'Placing, reading and cancelling orders (storefronts).' },
    { name: 'admin', description: 'Customer accounts, stock records and maintenance mode (back office).' },
    operationsTag,
  ],
  components: {
    securitySchemes: { apiKey: bearerSecurityScheme },
    schemas: {
      PlaceOrder: placeOrder,
      Order: orderSchema,
      OrderAccepted: {
        type: 'object',
        required: ['status', 'reason', 'customerId', 'clientOrderId', 'location'],
        properties: {
          status: { type: 'string', enum: ['ACCEPTED'] },
          reason: { type: 'string', enum: ['requested', 'maintenance', 'unavailable'] },
          customerId: idSchema,
          clientOrderId: idSchema,
          location: { type: 'string', description: 'Answers 404 until the order is processed, then 200 with it' },
        },
      },
      OrderPage: {
        type: 'object',
        required: ['orders', 'nextCursor'],
        properties: {
          orders: { type: 'array', items: { $ref: '#/components/schemas/Order' } },
          nextCursor: { type: ['string', 'null'], description: 'Pass as `after` for the next page; null on the last page' },
        },
      },
      CustomerAccountUpdate: customerAccountSchema,
      CustomerAccount: {
        type: 'object',
        required: ['id', 'currency', 'creditLimitCents', 'openBalanceCents', 'lastOrderNumber'],
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
        required: ['sku', 'available'],
        properties: { sku: idSchema, available: { type: 'integer' }, updatedAt: { type: 'string', format: 'date-time' } },
      },
      MaintenanceUpdate: {
        type: 'object',
        additionalProperties: false,
        required: ['enabled'],
        properties: { enabled: { type: 'boolean' } },
      },
      MaintenanceStatus: {
        type: 'object',
        required: ['enabled', 'source'],
        properties: {
          enabled: { type: 'boolean' },
          source: { type: 'string', enum: ['environment', 'admin', 'off'], description: '`environment`: MAINTENANCE_MODE=true, which the route cannot switch off' },
        },
      },
      Problem: problemSchema,
      ...operationsSchemas,
    },
  },
  paths: {
    '/v1/orders': {
      post: route({
        operationId: 'placeOrder',
        tag: 'orders',
        summary: 'Place an order',
        description:
          '(customerId, clientOrderId) is the idempotency key: a new order answers 201, the same request again 200 with the same order, ' +
          'the same key with a different payload 409. Retrying with the same body is always safe.',
        scope: 'orders:write',
        parameters: [
          { name: 'Prefer', in: 'header', required: false, description: '`respond-async`: queue the order and answer 202', schema: { type: 'string' }, example: 'respond-async' },
          { name: 'X-Correlation-Id', in: 'header', required: false, description: "Carried into the order's outcome event", schema: { type: 'string' }, example: 'checkout-42' },
        ],
        requestBody: jsonBody('PlaceOrder', placeOrderExample),
        responses: {
          '201': jsonResponse('Processed (CONFIRMED or REJECTED)', 'Order', orderExample, orderLocation),
          '200': jsonResponse('Replay of an order already processed', 'Order', orderExample, orderLocation),
          '202': jsonResponse('Queued for the worker (Prefer: respond-async, maintenance, or a dependency down)', 'OrderAccepted', {
            status: 'ACCEPTED',
            reason: 'requested',
            customerId: 'cust-1',
            clientOrderId: 'order-1',
            location: '/v1/customers/cust-1/orders/order-1',
          }),
        },
        problems: [...BODY_PROBLEMS, 'idempotency-key-conflict'],
      }),
    },
    '/v1/orders/{id}': {
      get: route({
        operationId: 'getOrder',
        tag: 'orders',
        summary: 'Get an order by id',
        description: 'The order with this Orderflow id; 404 for an unknown id (or one that is not a UUID).',
        scope: 'orders:read',
        parameters: [orderIdParam],
        responses: { '200': jsonResponse('The order', 'Order', orderExample) },
        problems: ['not-found'],
      }),
    },
    '/v1/orders/{id}/cancel': {
      post: route({
        operationId: 'cancelOrder',
        tag: 'orders',
        summary: 'Cancel a confirmed order',
        description: 'Releases its stock and credit. Cancelling a cancelled order is a no-op (200); a rejected order answers 409.',
        scope: 'orders:write',
        parameters: [orderIdParam],
        responses: { '200': jsonResponse('Cancelled (or already cancelled: no-op)', 'Order', cancelledExample) },
        problems: ['not-found', 'order-not-cancellable'],
      }),
    },
    '/v1/customers/{customerId}/orders/{clientOrderId}': {
      get: route({
        operationId: 'getOrderByClientOrderId',
        tag: 'orders',
        summary: "Get an order by the storefront's id",
        description: 'Learn the outcome of a request whose answer was lost, or of an order accepted with 202.',
        scope: 'orders:read',
        parameters: [customerIdParam, pathParam('clientOrderId', idSchema, "The storefront's order reference", 'order-1')],
        responses: { '200': jsonResponse('The order', 'Order', orderExample) },
        problems: ['validation-error', 'not-found'],
      }),
    },
    '/v1/customers/{customerId}/orders': {
      get: route({
        operationId: 'listCustomerOrders',
        tag: 'orders',
        summary: "List a customer's orders",
        description: 'By ascending orderNumber, a page at a time; an unknown customer has no orders (200, empty page).',
        scope: 'orders:read',
        parameters: [
          customerIdParam,
          { name: 'limit', in: 'query', description: 'Orders per page', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, example: 50 },
          { name: 'after', in: 'query', description: 'Cursor: the orderNumber to continue after (`nextCursor`)', schema: { type: 'integer', minimum: 0, default: 0 }, example: 0 },
        ],
        responses: { '200': jsonResponse('One page', 'OrderPage', { orders: [orderExample], nextCursor: null }) },
        problems: ['validation-error'],
      }),
    },
    '/v1/customers/{customerId}': {
      put: route({
        operationId: 'putCustomerAccount',
        tag: 'admin',
        summary: 'Create or update a customer account',
        description: 'Sets the account currency and credit limit (`null`: no limit).',
        scope: 'admin',
        parameters: [customerIdParam],
        requestBody: jsonBody('CustomerAccountUpdate', { currency: 'EUR', creditLimitCents: 50000 }),
        responses: {
          '200': jsonResponse('Updated', 'CustomerAccount', accountExample),
          '201': jsonResponse('Created', 'CustomerAccount', { ...accountExample, openBalanceCents: 0, lastOrderNumber: 0 }),
        },
        problems: BODY_PROBLEMS,
      }),
      get: route({
        operationId: 'getCustomerAccount',
        tag: 'admin',
        summary: 'Get a customer account',
        description: 'The account of a customer who has ordered or been set up.',
        scope: 'admin',
        parameters: [customerIdParam],
        responses: { '200': jsonResponse('The account', 'CustomerAccount', accountExample) },
        problems: ['validation-error', 'not-found'],
      }),
    },
    '/v1/inventory/{sku}': {
      put: route({
        operationId: 'putInventory',
        tag: 'admin',
        summary: 'Set the available stock of a SKU',
        description: 'Makes the SKU stock-tracked; the value replaces the current one.',
        scope: 'admin',
        parameters: [pathParam('sku', idSchema, 'The SKU', 'SKU-9')],
        requestBody: jsonBody('InventoryUpdate', { available: 12 }),
        responses: {
          '200': jsonResponse('Updated', 'Inventory', inventoryExample),
          '201': jsonResponse('Created', 'Inventory', inventoryExample),
        },
        problems: BODY_PROBLEMS,
      }),
      get: route({
        operationId: 'getInventory',
        tag: 'admin',
        summary: 'Get the stock record of a SKU',
        description: '404 for an untracked SKU.',
        scope: 'admin',
        parameters: [pathParam('sku', idSchema, 'The SKU', 'SKU-9')],
        responses: { '200': jsonResponse('The record', 'Inventory', inventoryExample) },
        problems: ['validation-error', 'not-found'],
      }),
    },
    '/v1/admin/maintenance': {
      get: route({
        operationId: 'getMaintenance',
        tag: 'admin',
        summary: 'Get maintenance mode',
        description: 'Whether API instances queue orders instead of processing them (docs/operations.md).',
        scope: 'admin',
        responses: { '200': jsonResponse('The switch', 'MaintenanceStatus', maintenanceExample) },
      }),
      put: route({
        operationId: 'setMaintenance',
        tag: 'admin',
        summary: 'Switch maintenance mode',
        description: 'On: every API instance answers POST /v1/orders with 202 and queues the order.',
        scope: 'admin',
        requestBody: jsonBody('MaintenanceUpdate', { enabled: true }),
        responses: { '200': jsonResponse('The switch after the change', 'MaintenanceStatus', maintenanceExample) },
        problems: BODY_PROBLEMS,
      }),
    },
    ...operationsRoutes('Checks PostgreSQL, Redis and the orders queue (when configured);', {
      status: 'ok',
      checks: { postgres: { name: 'postgres', status: 'up' }, redis: { name: 'redis', status: 'up' } },
    }),
  },
};
