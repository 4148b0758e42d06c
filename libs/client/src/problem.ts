import type { components } from './generated/api-schema';

/** An RFC 9457 problem as Orderflow answers it (the `Problem` schema of the OpenAPI documents). */
export type Problem = components['schemas']['Problem'];

export const PROBLEM_TYPE_PREFIX = 'https://orderflow.example/problems/';

/**
 * An error answer of Orderflow. Switch on `slug` (the stable part of `problem.type`, e.g.
 * `idempotency-key-conflict`), never on `title` or `detail`.
 */
export class OrderflowProblem extends Error {
  readonly status: number;
  readonly slug: string;

  constructor(
    readonly problem: Problem,
    readonly response: Response,
  ) {
    super(`${problem.status} ${problem.type}: ${problem.detail ?? problem.title}`);
    this.name = 'OrderflowProblem';
    this.status = problem.status;
    this.slug = problem.type.startsWith(PROBLEM_TYPE_PREFIX) ? problem.type.slice(PROBLEM_TYPE_PREFIX.length) : problem.type;
  }
}

/** The problem of an error answer; an answer that is no problem document (a proxy's HTML page) becomes one. */
export function toProblem(error: unknown, response: Response): OrderflowProblem {
  const problem =
    error !== null && typeof error === 'object' && typeof (error as Problem).type === 'string'
      ? (error as Problem)
      : { type: 'about:blank', title: `HTTP ${response.status}`, status: response.status, detail: typeof error === 'string' ? error.slice(0, 500) : undefined };
  return new OrderflowProblem(problem, response);
}

export function isOrderflowProblem(error: unknown, slug?: string): error is OrderflowProblem {
  return error instanceof OrderflowProblem && (slug === undefined || error.slug === slug);
}
