import { FieldError } from '@orderflow/contracts/schema-validator';

export const PROBLEM_BASE = 'https://orderflow.example/problems/';

/**
 * An RFC 9457 problem. `type` is stable and documented (docs/api.md); clients switch on it,
 * never on `title` or `detail`.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }

  get type(): string {
    return `${PROBLEM_BASE}${this.slug}`;
  }

  body(instance: string): Record<string, unknown> {
    return { type: this.type, title: this.title, status: this.status, detail: this.detail, instance, ...this.extensions };
  }
}

export const problems = {
  validation: (errors: FieldError[]) =>
    new HttpProblem(400, 'validation-error', 'Request validation failed', `${errors.length} invalid field(s)`, { errors }),
  malformedJson: (detail: string) => new HttpProblem(400, 'malformed-json', 'Malformed JSON body', detail),
  unsupportedMediaType: (detail: string) => new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', detail),
  payloadTooLarge: (limit: number) =>
    new HttpProblem(413, 'payload-too-large', 'Request body too large', `The body exceeds ${limit} bytes`),
  unauthorized: () =>
    new HttpProblem(401, 'unauthorized', 'Missing or invalid API key', 'Send Authorization: Bearer <api key>', {}, {
      'www-authenticate': 'Bearer realm="orderflow"',
    }),
  forbidden: (scope: string) =>
    new HttpProblem(403, 'forbidden', 'API key lacks the required scope', `This route needs the scope ${scope}`, {
      requiredScope: scope,
    }),
  notFound: (detail: string) => new HttpProblem(404, 'not-found', 'Resource not found', detail),
  routeNotFound: (detail: string) => new HttpProblem(404, 'route-not-found', 'No such route', detail),
  methodNotAllowed: (detail: string) => new HttpProblem(405, 'method-not-allowed', 'Method not allowed', detail),
  idempotencyConflict: (detail: string) =>
    new HttpProblem(409, 'idempotency-key-conflict', 'Idempotency key reused with a different payload', detail),
  notCancellable: (detail: string, status: string) =>
    new HttpProblem(409, 'order-not-cancellable', 'Order cannot be cancelled', detail, { orderStatus: status }),
  tooManyRequests: (retryAfterSeconds: number) =>
    new HttpProblem(429, 'rate-limited', 'Too many requests', `This API key's rate limit is used up; retry after ${retryAfterSeconds} s`, {}, {
      'retry-after': String(retryAfterSeconds),
    }),
  releaseConflict: (detail: string) => new HttpProblem(409, 'release-conflict', 'The release action does not fit the release state', detail),
  unavailable: (detail: string, retryAfterSeconds: number) =>
    new HttpProblem(503, 'service-unavailable', 'Service temporarily unavailable', detail, {}, {
      'retry-after': String(retryAfterSeconds),
    }),
  internal: () => new HttpProblem(500, 'internal-error', 'Internal server error', 'An unexpected error occurred'),
};
