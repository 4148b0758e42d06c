import { FieldError } from '@orderflow/contracts/schema-validator';
import type { ProblemDescription } from '@orderflow/domain/problem-error';

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

/** The title of each problem type: the same for every occurrence (RFC 9457). */
const TITLES: Record<string, string> = {
  'validation-error': 'Request validation failed',
  'malformed-json': 'Malformed JSON body',
  'unsupported-media-type': 'Unsupported media type',
  'payload-too-large': 'Request body too large',
  unauthorized: 'Missing or invalid API key',
  forbidden: 'API key lacks the required scope',
  'not-found': 'Resource not found',
  'route-not-found': 'No such route',
  'method-not-allowed': 'Method not allowed',
  'idempotency-key-conflict': 'Idempotency key reused with a different payload',
  'order-not-cancellable': 'Order cannot be cancelled',
  'rate-limited': 'Too many requests',
  'release-conflict': 'The release action does not fit the release state',
  'service-unavailable': 'Service temporarily unavailable',
  'internal-error': 'Internal server error',
};

/** The problem an error describes (ProblemError), with its type's title and Retry-After. */
export function describedProblem(d: ProblemDescription): HttpProblem {
  const headers: Record<string, string> = d.retryAfterSeconds === undefined ? {} : { 'retry-after': String(d.retryAfterSeconds) };
  return new HttpProblem(d.status, d.slug, TITLES[d.slug] ?? `HTTP ${d.status}`, d.detail, d.extensions, headers);
}

export const problems = {
  validation: (errors: FieldError[]) => describedProblem({ status: 400, slug: 'validation-error', detail: `${errors.length} invalid field(s)`, extensions: { errors } }),
  malformedJson: (detail: string) => describedProblem({ status: 400, slug: 'malformed-json', detail }),
  unsupportedMediaType: (detail: string) => describedProblem({ status: 415, slug: 'unsupported-media-type', detail }),
  payloadTooLarge: (limit: number) => describedProblem({ status: 413, slug: 'payload-too-large', detail: `The body exceeds ${limit} bytes` }),
  unauthorized: () =>
    new HttpProblem(401, 'unauthorized', TITLES.unauthorized, 'Send Authorization: Bearer <api key>', {}, {
      'www-authenticate': 'Bearer realm="orderflow"',
    }),
  forbidden: (scope: string) =>
    describedProblem({ status: 403, slug: 'forbidden', detail: `This route needs the scope ${scope}`, extensions: { requiredScope: scope } }),
  notFound: (detail: string) => describedProblem({ status: 404, slug: 'not-found', detail }),
  routeNotFound: (detail: string) => describedProblem({ status: 404, slug: 'route-not-found', detail }),
  methodNotAllowed: (detail: string) => describedProblem({ status: 405, slug: 'method-not-allowed', detail }),
  tooManyRequests: (retryAfterSeconds: number) =>
    describedProblem({ status: 429, slug: 'rate-limited', detail: `This API key's rate limit is used up; retry after ${retryAfterSeconds} s`, retryAfterSeconds }),
  unavailable: (detail: string, retryAfterSeconds: number) => describedProblem({ status: 503, slug: 'service-unavailable', detail, retryAfterSeconds }),
  internal: () => describedProblem({ status: 500, slug: 'internal-error', detail: 'An unexpected error occurred' }),
};
