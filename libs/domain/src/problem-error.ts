/**
 * What callers outside are told of a failure, as RFC 9457 fields: `slug` is the stable problem
 * type (documented in docs/api.md) with its status; libs/http adds the title and renders
 * problem+json. Errors describe themselves, so that the HTTP layer maps them without knowing them.
 */
export interface ProblemDescription {
  status: number;
  slug: string;
  detail?: string;
  extensions?: Record<string, unknown>;
  /** Sent as Retry-After. */
  retryAfterSeconds?: number;
}

/** A failure that carries its problem type: answered as such by every HTTP app. */
export abstract class ProblemError extends Error {
  abstract problem(): ProblemDescription;
}
