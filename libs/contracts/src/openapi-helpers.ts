/**
 * Building blocks of Orderflow's OpenAPI documents (the API's and the reporting service's), so that
 * every route is declared the same way: `route({...})` adds the security requirement, the problem
 * responses (with an example of each problem type) and the tag. Adding a route is one `route()` call.
 */

export const PROBLEM_BASE_URI = 'https://orderflow.example/problems/';

interface ProblemType {
  status: number;
  title: string;
  /** Shown in the example and the response description. */
  detail: string;
  extensions?: Record<string, unknown>;
}

/** Every problem type of contract v1 (docs/api.md, "Problem types"); titles as libs/http answers them. */
export const PROBLEM_TYPES = {
  'validation-error': {
    status: 400,
    title: 'Request validation failed',
    detail: '1 invalid field(s)',
    extensions: { errors: [{ field: '/items/0/quantity', message: 'must be >= 1' }] },
  },
  'malformed-json': { status: 400, title: 'Malformed JSON body', detail: 'The body is not valid JSON' },
  unauthorized: { status: 401, title: 'Missing or invalid API key', detail: 'Send Authorization: Bearer <api key>' },
  forbidden: {
    status: 403,
    title: 'API key lacks the required scope',
    detail: 'This route needs the scope orders:write',
    extensions: { requiredScope: 'orders:write' },
  },
  'not-found': { status: 404, title: 'Resource not found', detail: 'Order f54c09fc-b1eb-42ff-b048-8b39ef3bec4d does not exist' },
  'idempotency-key-conflict': {
    status: 409,
    title: 'Idempotency key reused with a different payload',
    detail: 'order order-1 of customer cust-1 exists with a different payload',
  },
  'order-not-cancellable': {
    status: 409,
    title: 'Order cannot be cancelled',
    detail: 'order 877e9cbc-0a72-4c61-a52e-c1da3fcc1277 is REJECTED and cannot be cancelled',
    extensions: { orderStatus: 'REJECTED' },
  },
  'release-conflict': {
    status: 409,
    title: 'The release action does not fit the release state',
    detail: 'api already has a running release (1.0.0 -> 2.0.0); promote or abort it first',
  },
  'payload-too-large': { status: 413, title: 'Request body too large', detail: 'The body exceeds 65536 bytes' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type', detail: 'Send the body as application/json' },
  'internal-error': { status: 500, title: 'Internal server error', detail: 'An unexpected error occurred' },
  'service-unavailable': {
    status: 503,
    title: 'Service temporarily unavailable',
    detail: 'A dependency is temporarily unavailable; retry later',
  },
} satisfies Record<string, ProblemType>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

/** Problems a body-carrying route can answer before its handler runs. */
export const BODY_PROBLEMS: ProblemSlug[] = ['validation-error', 'malformed-json', 'payload-too-large', 'unsupported-media-type'];

export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details. Switch on `type`; `title` and `detail` are for people.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri', description: `${PROBLEM_BASE_URI} followed by a stable slug (docs/api.md)` },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request path' },
    errors: {
      type: 'array',
      description: 'validation-error: every invalid field',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
    requiredScope: { type: 'string', description: 'forbidden: the scope the route needs' },
    orderStatus: { type: 'string', description: 'order-not-cancellable: the status of the order' },
  },
} as const;

export const bearerSecurityScheme = {
  type: 'http',
  scheme: 'bearer',
  description: 'An API key created with `npm run apikey -- create`; the route needs one of its scopes.',
} as const;

const problemHeaders: Partial<Record<ProblemSlug, object>> = {
  unauthorized: { 'WWW-Authenticate': { description: 'Bearer realm="orderflow"', schema: { type: 'string' } } },
  'service-unavailable': { 'Retry-After': { description: 'Seconds to wait before retrying the same request', schema: { type: 'integer' } } },
};

/** The problem responses for these types, grouped by status, with an example of each type. */
export function problemResponses(slugs: readonly ProblemSlug[]): Record<string, object> {
  const byStatus = new Map<number, ProblemSlug[]>();
  for (const slug of new Set(slugs)) {
    const status = PROBLEM_TYPES[slug].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), slug]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, group]) => {
      const headers = Object.assign({}, ...group.map((slug) => problemHeaders[slug] ?? {}));
      return [
        String(status),
        {
          description: group.map((slug) => `\`${slug}\`: ${PROBLEM_TYPES[slug].title}`).join('; '),
          ...(Object.keys(headers).length ? { headers } : {}),
          content: {
            'application/problem+json': {
              schema: { $ref: '#/components/schemas/Problem' },
              examples: Object.fromEntries(group.map((slug) => [slug, { summary: PROBLEM_TYPES[slug].title, value: problemExample(slug) }])),
            },
          },
        },
      ];
    }),
  );
}

function problemExample(slug: ProblemSlug): Record<string, unknown> {
  const type: ProblemType = PROBLEM_TYPES[slug];
  return { type: `${PROBLEM_BASE_URI}${slug}`, title: type.title, status: type.status, detail: type.detail, instance: '/v1/orders', ...type.extensions };
}

/** A JSON response of a component schema, with one example. */
export function jsonResponse(description: string, schema: string, example: unknown, headers?: object): object {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` }, example } },
  };
}

/** A JSON request body of a component schema (required unless told), with one example. */
export function jsonBody(schema: string, example: unknown, required = true): object {
  return { required, content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` }, example } } };
}

export function pathParam(name: string, schema: object, description: string, example: string): object {
  return { name, in: 'path', required: true, description, schema, example };
}

export interface RouteSpec {
  operationId: string;
  tag: string;
  summary: string;
  description: string;
  /** The API key scope the route needs; null for a public route (`security: []`). */
  scope: string | null;
  parameters?: object[];
  requestBody?: object;
  responses: Record<string, object>;
  /** The problem types the route itself can answer; authentication and 5xx ones are added. */
  problems?: ProblemSlug[];
}

/**
 * One operation. A secured route also answers unauthorized, forbidden and service-unavailable
 * (its key is verified against the database); every route can answer internal-error.
 */
export function route(spec: RouteSpec): object {
  const implied: ProblemSlug[] = spec.scope ? ['unauthorized', 'forbidden', 'service-unavailable', 'internal-error'] : ['internal-error'];
  return {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    description: spec.description,
    // Bearer schemes cannot declare scopes in OpenAPI (only OAuth2 can), so the scope is named in
    // the description and an extension rather than in the requirement.
    security: spec.scope ? [{ apiKey: [] }] : [],
    ...(spec.scope ? { 'x-required-scope': spec.scope } : {}),
    ...(spec.parameters ? { parameters: spec.parameters } : {}),
    ...(spec.requestBody ? { requestBody: spec.requestBody } : {}),
    responses: { ...spec.responses, ...problemResponses([...(spec.problems ?? []), ...implied]) },
  };
}

/** Liveness, readiness and metrics: the same three public routes on every app. */
export function operationsRoutes(readiness: string, readyExample: object): Record<string, object> {
  return {
    '/health/live': {
      get: route({
        operationId: 'getLiveness',
        tag: 'operations',
        summary: 'Liveness',
        description: 'Answers 200 while the process runs. No key needed; keep it on a private network.',
        scope: null,
        responses: { '200': jsonResponse('Alive', 'Liveness', { status: 'ok' }) },
      }),
    },
    '/health/ready': {
      get: route({
        operationId: 'getReadiness',
        tag: 'operations',
        summary: 'Readiness',
        description: `${readiness} 503 when one of them does not answer. No key needed.`,
        scope: null,
        responses: {
          '200': jsonResponse('Ready: every check is up', 'Readiness', readyExample),
          '503': jsonResponse('Not ready: a check is down', 'Readiness', { status: 'unavailable', checks: { postgres: { name: 'postgres', status: 'down', error: 'connect ECONNREFUSED' } } }),
        },
      }),
    },
    '/metrics': {
      get: route({
        operationId: 'getMetrics',
        tag: 'operations',
        summary: 'Prometheus metrics',
        description: 'The Prometheus text exposition of the instance. No key needed.',
        scope: null,
        responses: {
          '200': {
            description: 'Prometheus text format',
            content: { 'text/plain': { schema: { type: 'string' }, example: '# HELP orderflow_orders_total Orders processed\n' } },
          },
        },
      }),
    },
  };
}

/** The schemas `operationsRoutes` refers to. */
export const operationsSchemas = {
  Liveness: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
  Readiness: {
    type: 'object',
    required: ['status', 'checks'],
    properties: {
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      checks: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['name', 'status'],
          properties: { name: { type: 'string' }, status: { type: 'string', enum: ['up', 'down'] }, error: { type: 'string' } },
        },
      },
    },
  },
} as const;

export const operationsTag = { name: 'operations', description: 'Health probes and metrics for load balancers and monitoring.' };

export const contact = { name: 'Orderflow', url: 'https://orderflow.example/docs' };
export const license = { name: 'Proprietary', url: 'https://orderflow.example/license' };
