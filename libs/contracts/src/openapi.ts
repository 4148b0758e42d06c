import { customerAccountSchema, inventorySchema } from './order-requests';
import { pinSchema, releaseActionSchema, serviceSchema, startReleaseSchema, versionSchema } from './release-requests';
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
const json = (description: string, ref: string) => ({ description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const jsonBody = (ref: string, required = true) => ({ required, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
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
    status: { enum: ['running', 'promoted', 'aborted', 'completed'] },
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

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Orderflow API',
    version: '1.0.0',
    description:
      'Order intake for storefronts. Every error is application/problem+json (RFC 9457) with a stable `type`; see docs/api.md.',
  },
  tags: [
    { name: 'releases', description: 'Route sessions and release control (docs/releases.md)' },
    { name: 'audit', description: 'Who changed what, when, before and after' },
  ],
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
          action: { enum: ['advance', 'abort', 'complete', 'hold'] },
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
    '/v1/customers/{customerId}/session': {
      post: {
        operationId: 'createSession',
        tags: ['releases'],
        summary: "Start a customer's session: the versions it is routed to, as a signed route token",
        description:
          'Answers the versions (pin, else the running rollout\'s sticky bucket, else stable) and sets `orderflow_route=<token>; Path=/; HttpOnly; SameSite=Lax; Max-Age=<ROUTE_TOKEN_TTL_SECONDS>`. Server-to-server callers send the token back in the `Orderflow-Route` header. 503 when the instance has no ROUTE_TOKEN_KEYS.',
        ...secured('orders:write'),
        parameters: [pathParam('customerId')],
        responses: {
          '200': { ...json('The session', 'Session'), headers: { 'Set-Cookie': { schema: { type: 'string' }, description: 'orderflow_route=<token>; Path=/; HttpOnly; SameSite=Lax; Max-Age=<ttl>' } } },
          ...errors(400, 401, 403, 503),
        },
      },
    },
    '/v1/admin/releases': {
      get: {
        operationId: 'getReleaseStatus',
        tags: ['releases'],
        summary: 'Stable versions, the latest release of each service and its last decisions',
        ...secured('admin'),
        responses: { '200': json('The release status', 'ReleaseStatus'), ...errors(401, 403) },
      },
      post: {
        operationId: 'startRelease',
        tags: ['releases'],
        summary: 'Start a canary release of a candidate version (first step at once)',
        ...secured('admin'),
        requestBody: jsonBody('StartRelease'),
        responses: { '201': json('Started', 'Release'), ...errors(400, 401, 403, 409) },
      },
    },
    '/v1/admin/releases/promote': {
      post: {
        operationId: 'promoteRelease',
        tags: ['releases'],
        summary: 'Go to the next step now; at the last step, finish (the candidate becomes stable)',
        ...secured('admin'),
        requestBody: jsonBody('ReleaseAction', false),
        responses: { '200': json('The release after the step', 'Release'), ...errors(400, 401, 403, 409) },
      },
    },
    '/v1/admin/releases/abort': {
      post: {
        operationId: 'abortRelease',
        tags: ['releases'],
        summary: 'Abort the running release: everyone back to stable at once, candidate tokens included',
        ...secured('admin'),
        requestBody: jsonBody('ReleaseAction', false),
        responses: { '200': json('The aborted release', 'Release'), ...errors(400, 401, 403, 409) },
      },
    },
    '/v1/admin/releases/pins/{customerId}': {
      delete: {
        operationId: 'unpinCustomer',
        tags: ['releases'],
        summary: "Remove every pin of a customer",
        ...secured('admin'),
        parameters: [pathParam('customerId')],
        responses: { '200': json('The removed pins (none is not an error)', 'RemovedPins'), ...errors(400, 401, 403) },
      },
    },
    '/v1/admin/releases/pins/{customerId}/{service}': {
      put: {
        operationId: 'pinCustomer',
        tags: ['releases'],
        summary: 'Pin a customer to a version of a service (wins over rollouts, until that version is aborted)',
        ...secured('admin'),
        parameters: [pathParam('customerId'), pathParam('service', serviceSchema)],
        requestBody: jsonBody('PinUpdate'),
        responses: { '200': json('The pin', 'Pin'), ...errors(400, 401, 403) },
      },
      delete: {
        operationId: 'unpinCustomerService',
        tags: ['releases'],
        summary: "Remove a customer's pin of one service",
        ...secured('admin'),
        parameters: [pathParam('customerId'), pathParam('service', serviceSchema)],
        responses: { '200': json('The removed pin (none is not an error)', 'RemovedPins'), ...errors(400, 401, 403) },
      },
    },
    '/v1/admin/releases/instances': {
      get: {
        operationId: 'listInstances',
        tags: ['releases'],
        summary: 'Live instances from the registry (service, version, address)',
        ...secured('admin'),
        responses: { '200': json('The live instances', 'InstanceList'), ...errors(401, 403) },
      },
    },
    '/v1/admin/audit': {
      get: {
        operationId: 'listAuditLog',
        tags: ['audit'],
        summary: 'The audit log of admin and release actions, oldest first',
        ...secured('admin'),
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
          { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 }, description: 'Cursor: the id to start after' },
        ],
        responses: { '200': json('One page', 'AuditPage'), ...errors(400, 401, 403) },
      },
    },
    '/health/live': { get: { summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
    '/health/ready': { get: { summary: 'Readiness (PostgreSQL, Redis)', responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition' } } } },
  },
};
