import { customerAccountSchema, inventorySchema } from './order-requests';
import { pinSchema, releaseActionSchema, serviceSchema, startReleaseSchema, versionSchema } from './release-requests';
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
  processedByVersion: '1.0.0',
  createdAt: '2026-11-24T13:55:34.888Z',
  updatedAt: '2026-11-24T13:55:34.888Z',
};
const cancelledExample = { ...orderExample, status: 'CANCELLED', updatedAt: '2026-11-24T14:02:10.120Z' };
const accountExample = { id: 'cust-1', currency: 'EUR', creditLimitCents: 50000, openBalanceCents: 2599, lastOrderNumber: 1 };
const inventoryExample = { sku: 'SKU-9', available: 12, updatedAt: '2026-11-24T13:55:36.600Z' };
const maintenanceExample = { enabled: true, source: 'admin' };

const versionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { api: versionSchema, worker: versionSchema, reporting: versionSchema },
  description: 'The version of each service; a service whose stable version is not recorded yet (before its first release) is absent',
};
const releaseSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    service: serviceSchema,
    stableVersion: versionSchema,
    candidateVersion: versionSchema,
    percent: { type: 'integer', minimum: 0, maximum: 100, description: 'Share of customers on the candidate now' },
    stepIndex: { type: 'integer', minimum: 0 },
    steps: { type: 'array', items: { type: 'integer' } },
    stepSeconds: { type: 'integer' },
    stepStartedAt: { type: 'string', format: 'date-time' },
    status: { type: 'string', enum: ['running', 'promoted', 'aborted', 'completed'] },
    bounds: { type: 'object' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};
const removedPinsSchema = {
  type: 'object',
  properties: {
    customerId: idSchema,
    removed: { type: 'array', items: { type: 'object', properties: { service: serviceSchema, version: versionSchema } } },
  },
};

const serviceParam = pathParam('service', serviceSchema, 'The service: api, worker or reporting', 'api');
const sessionExample = {
  customerId: 'cust-1',
  versions: { api: '2.0.0', worker: '1.0.0', reporting: '1.0.0' },
  route: 'eyJjIjoiY3VzdC0xIiwidiI6eyJhcGkiOiIyLjAuMCIsIndvcmtlciI6IjEuMC4wIiwicmVwb3J0aW5nIjoiMS4wLjAifSwiZXhwIjoxNzk1NTMyMTM0LCJrIjoiazEifQ.Qm9ndXMtc2lnbmF0dXJlLWZvci10aGUtZXhhbXBsZQ',
  expiresAt: '2026-11-24T14:55:34.000Z',
};
const releaseExample = {
  id: '6f1c2a44-0d5e-4c3b-9a57-1e0f8d2b7c11',
  service: 'api',
  stableVersion: '1.0.0',
  candidateVersion: '2.0.0',
  percent: 10,
  stepIndex: 0,
  steps: [10, 50, 100],
  stepSeconds: 300,
  stepStartedAt: '2026-11-24T14:00:00.000Z',
  status: 'running',
  bounds: {},
  createdBy: 'cli:alice',
  createdAt: '2026-11-24T14:00:00.000Z',
  updatedAt: '2026-11-24T14:00:00.000Z',
};
const decisionExample = {
  id: 1,
  releaseId: releaseExample.id,
  at: '2026-11-24T14:05:00.000Z',
  stepIndex: 0,
  action: 'advance',
  reason: 'candidate within bounds',
  figures: { candidate: { requests: 412, errorRate: 0, p95Ms: 38 }, stable: { requests: 3710, errorRate: 0.0003, p95Ms: 41 } },
  actor: 'controller',
};
const pinExample = { customerId: 'cust-1', service: 'api', version: '2.0.0' };

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
    { name: 'releases', description: 'Route sessions and release control: canary steps, pins, live instances (docs/releases.md).' },
    { name: 'audit', description: 'Who changed what, when, before and after (back office).' },
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
      Session: {
        type: 'object',
        required: ['customerId', 'versions', 'route', 'expiresAt'],
        properties: {
          customerId: idSchema,
          versions: versionsSchema,
          route: { type: 'string', description: 'The signed route token: send it as the orderflow_route cookie or the Orderflow-Route header' },
          expiresAt: { type: 'string', format: 'date-time' },
        },
      },
      StartRelease: startReleaseSchema,
      ReleaseAction: releaseActionSchema,
      PinUpdate: pinSchema,
      Release: releaseSchema,
      ReleaseDecision: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          releaseId: { type: 'string', format: 'uuid' },
          at: { type: 'string', format: 'date-time' },
          stepIndex: { type: 'integer' },
          action: { type: 'string', enum: ['advance', 'abort', 'complete', 'hold'] },
          reason: { type: 'string' },
          figures: { description: 'What the decision was taken on (per-version request count, 5xx rate, p95 over the step window)' },
          actor: { type: 'string' },
        },
      },
      ReleaseStatus: {
        type: 'object',
        properties: {
          stable: versionsSchema,
          releases: {
            type: 'array',
            description: 'The latest release of each service, with its latest decisions (newest first)',
            items: {
              allOf: [
                { $ref: '#/components/schemas/Release' },
                { type: 'object', properties: { decisions: { type: 'array', items: { $ref: '#/components/schemas/ReleaseDecision' } } } },
              ],
            },
          },
          abortedVersions: {
            type: 'object',
            description: 'Per service, aborted candidate versions: tokens naming them are routed to stable',
            additionalProperties: { type: 'array', items: versionSchema },
          },
        },
      },
      Pin: { type: 'object', properties: { customerId: idSchema, service: serviceSchema, version: versionSchema } },
      RemovedPins: removedPinsSchema,
      Instance: {
        type: 'object',
        properties: {
          service: serviceSchema,
          version: versionSchema,
          address: { type: 'string', examples: ['127.0.0.1:3001'] },
          instanceId: { type: 'string' },
          startedAt: { type: 'string', format: 'date-time' },
        },
      },
      InstanceList: { type: 'object', properties: { instances: { type: 'array', items: { $ref: '#/components/schemas/Instance' } } } },
      AuditPage: {
        type: 'object',
        properties: {
          entries: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'integer' },
                at: { type: 'string', format: 'date-time' },
                actor: { type: 'string', description: "The API key's name (cli:<login> for npm run release, controller for automatic decisions)" },
                action: { type: 'string', examples: ['release.start', 'release.pin', 'customer.put', 'inventory.put', 'maintenance.set'] },
                target: { type: 'string', examples: ['release:6f1c2a44-0d5e-4c3b-9a57-1e0f8d2b7c11', 'customer:cust-1'] },
                before: { description: 'State before the action; null when there was none' },
                after: { description: 'State after the action; null when removed' },
              },
            },
          },
          nextCursor: { type: ['string', 'null'], description: 'Pass as `after` for the next page' },
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
    '/v1/customers/{customerId}/session': {
      post: route({
        operationId: 'createSession',
        tag: 'releases',
        summary: "Start a customer's session",
        description:
          'The versions the customer is routed to (pin, else the running rollout\'s sticky bucket, else stable), as a signed route token. ' +
          'Also sets `orderflow_route=<token>; Path=/; HttpOnly; SameSite=Lax; Max-Age=<ROUTE_TOKEN_TTL_SECONDS>`; server-to-server callers ' +
          'send the token back in the `Orderflow-Route` header. 503 when the instance has no ROUTE_TOKEN_KEYS.',
        scope: 'orders:write',
        parameters: [customerIdParam],
        responses: {
          '200': jsonResponse('The session', 'Session', sessionExample, {
            'Set-Cookie': { description: 'orderflow_route=<token>; Path=/; HttpOnly; SameSite=Lax; Max-Age=<ttl>', schema: { type: 'string' } },
          }),
        },
        problems: ['validation-error'],
      }),
    },
    '/v1/admin/releases': {
      get: route({
        operationId: 'getReleaseStatus',
        tag: 'releases',
        summary: 'Get the release status',
        description: 'Stable versions, the latest release of each service with its last decisions, and the aborted candidate versions.',
        scope: 'admin',
        responses: {
          '200': jsonResponse('The release status', 'ReleaseStatus', {
            stable: { api: '1.0.0', worker: '1.0.0', reporting: '1.0.0' },
            releases: [{ ...releaseExample, decisions: [decisionExample] }],
            abortedVersions: {},
          }),
        },
      }),
      post: route({
        operationId: 'startRelease',
        tag: 'releases',
        summary: 'Start a canary release',
        description:
          'Starts the release of a candidate version; its first step applies at once. 409 `release-conflict` when the service already runs a release, ' +
          'the candidate equals stable, or no stable version is known for a first release (give `stable`).',
        scope: 'admin',
        requestBody: jsonBody('StartRelease', { service: 'api', version: '2.0.0', steps: [10, 50, 100], stepSeconds: 300 }),
        responses: { '201': jsonResponse('Started', 'Release', releaseExample) },
        problems: [...BODY_PROBLEMS, 'release-conflict'],
      }),
    },
    '/v1/admin/releases/promote': {
      post: route({
        operationId: 'promoteRelease',
        tag: 'releases',
        summary: 'Promote the running release',
        description:
          'Goes to the next step now; at the last step, finishes (the candidate becomes stable). The body is optional; `service` is needed only ' +
          'when several services run releases. 409 `release-conflict` when nothing runs or the service is ambiguous.',
        scope: 'admin',
        requestBody: jsonBody('ReleaseAction', { service: 'api' }, false),
        responses: { '200': jsonResponse('The release after the step', 'Release', { ...releaseExample, percent: 50, stepIndex: 1 }) },
        problems: [...BODY_PROBLEMS, 'release-conflict'],
      }),
    },
    '/v1/admin/releases/abort': {
      post: route({
        operationId: 'abortRelease',
        tag: 'releases',
        summary: 'Abort the running release',
        description:
          'Everyone back to stable at once, route tokens naming the candidate included. The body is optional; `reason` is recorded with the decision. ' +
          '409 `release-conflict` when nothing runs or the service is ambiguous.',
        scope: 'admin',
        requestBody: jsonBody('ReleaseAction', { service: 'api', reason: 'p95 above bound' }, false),
        responses: { '200': jsonResponse('The aborted release', 'Release', { ...releaseExample, percent: 0, status: 'aborted' }) },
        problems: [...BODY_PROBLEMS, 'release-conflict'],
      }),
    },
    '/v1/admin/releases/pins/{customerId}': {
      delete: route({
        operationId: 'unpinCustomer',
        tag: 'releases',
        summary: 'Remove every pin of a customer',
        description: 'The customer follows rollouts again; removing no pin is not an error.',
        scope: 'admin',
        parameters: [customerIdParam],
        responses: { '200': jsonResponse('The removed pins', 'RemovedPins', { customerId: 'cust-1', removed: [{ service: 'api', version: '2.0.0' }] }) },
        problems: ['validation-error'],
      }),
    },
    '/v1/admin/releases/pins/{customerId}/{service}': {
      put: route({
        operationId: 'pinCustomer',
        tag: 'releases',
        summary: 'Pin a customer to a version of a service',
        description: 'A pin wins over rollouts, until that version is aborted.',
        scope: 'admin',
        parameters: [customerIdParam, serviceParam],
        requestBody: jsonBody('PinUpdate', { version: '2.0.0' }),
        responses: { '200': jsonResponse('The pin', 'Pin', pinExample) },
        problems: BODY_PROBLEMS,
      }),
      delete: route({
        operationId: 'unpinCustomerService',
        tag: 'releases',
        summary: "Remove a customer's pin of one service",
        description: 'The customer follows rollouts of that service again; removing no pin is not an error.',
        scope: 'admin',
        parameters: [customerIdParam, serviceParam],
        responses: { '200': jsonResponse('The removed pin', 'RemovedPins', { customerId: 'cust-1', removed: [{ service: 'api', version: '2.0.0' }] }) },
        problems: ['validation-error'],
      }),
    },
    '/v1/admin/releases/instances': {
      get: route({
        operationId: 'listInstances',
        tag: 'releases',
        summary: 'List the live instances',
        description: 'The instance registry: service, version and address of every live instance.',
        scope: 'admin',
        responses: {
          '200': jsonResponse('The live instances', 'InstanceList', {
            instances: [{ service: 'api', version: '2.0.0', address: '127.0.0.1:3001', instanceId: 'api-2.0.0-a1b2', startedAt: '2026-11-24T13:50:00.000Z' }],
          }),
        },
      }),
    },
    '/v1/admin/audit': {
      get: route({
        operationId: 'listAuditLog',
        tag: 'audit',
        summary: 'Read the audit log',
        description: 'Admin and release actions, oldest first, a page at a time by id cursor.',
        scope: 'admin',
        parameters: [
          { name: 'limit', in: 'query', description: 'Entries per page', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, example: 50 },
          { name: 'after', in: 'query', description: 'Cursor: the id to continue after (`nextCursor`)', schema: { type: 'integer', minimum: 0, default: 0 }, example: 0 },
        ],
        responses: {
          '200': jsonResponse('One page', 'AuditPage', {
            entries: [
              {
                id: 1,
                at: '2026-11-24T14:00:00.000Z',
                actor: 'cli:alice',
                action: 'release.start',
                target: `release:${releaseExample.id}`,
                before: null,
                after: releaseExample,
              },
            ],
            nextCursor: null,
          }),
        },
        problems: ['validation-error'],
      }),
    },
    ...operationsRoutes('Checks PostgreSQL, Redis and the orders queue (when configured);', {
      status: 'ok',
      checks: { postgres: { name: 'postgres', status: 'up' }, redis: { name: 'redis', status: 'up' } },
    }),
  },
};
