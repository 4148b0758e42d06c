import { HttpResult } from './http-client';

/** The base of every problem type URI (RFC 9457) that Orderflow answers with. */
export const PROBLEM_BASE = 'https://orderflow.example/problems/';

/** Asserts an RFC 9457 problem+json answer of this status and problem type. */
export function expectProblem(result: Pick<HttpResult, 'status' | 'headers' | 'body'>, status: number, slug: string): void {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(result.body).toMatchObject({ type: `${PROBLEM_BASE}${slug}`, status, title: expect.any(String) });
}
