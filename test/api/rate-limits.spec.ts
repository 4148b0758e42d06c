import { randomUUID } from 'node:crypto';
import { startTestStack, TestStack } from '../support/test-stack';
import { ApiInstance, startApiInstance } from '../support/api-instance';
import { HttpRequest, HttpResult, httpClient } from '../support/http-client';
import { eventually } from '../support/eventually';

/** Per API key rate limits: a token bucket per key in the real Redis, shared by every API instance. */
describe('per API key rate limits', () => {
  let stack: TestStack;
  let apis: ApiInstance[];

  beforeAll(async () => {
    stack = await startTestStack();
    // The default (keys without their own limit) is high: only the keys created below are limited.
    apis = await Promise.all([startApiInstance(stack.config()), startApiInstance(stack.config())]);
  });

  afterAll(async () => {
    await Promise.all((apis ?? []).map((api) => api.close()));
    await stack?.stop();
  });

  /** A cheap authenticated request: an order that does not exist (404 once past the guard). */
  const probe = (client: HttpRequest) => client('GET', `/v1/orders/${randomUUID()}`);
  const clientsFor = (key: string) => apis.map((api) => httpClient(api.url, key));

  it('lets one runaway key use up only its own bucket, shared by both instances, while another key is served', async () => {
    const rate = { ratePerSecond: 5, burst: 10 };
    const runaway = clientsFor(await stack.createKey(['orders:read'], rate));
    const polite = clientsFor(await stack.createKey(['orders:read'], rate));

    const started = Date.now();
    const runawayAnswers: HttpResult[] = [];
    const politeAnswers: HttpResult[] = [];
    let flooding = true;
    // The runaway key: 8 clients over both instances, as fast as they are answered.
    const flood = Promise.all(
      Array.from({ length: 8 }, async (_, n) => {
        while (flooding) runawayAnswers.push(await probe(runaway[n % 2]));
      }),
    );
    // The other key, meanwhile: 6 requests, within its burst, alternating instances, one after another.
    await eventually('the runaway key to be refused', async () => runawayAnswers.some((a) => a.status === 429), 20_000, 20);
    for (let n = 0; n < 6; n++) politeAnswers.push(await probe(polite[n % 2]));
    flooding = false;
    await flood;
    const seconds = (Date.now() - started) / 1000;

    expect(politeAnswers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404, 404]);

    const allowed = runawayAnswers.filter((a) => a.status === 404).length;
    const refused = runawayAnswers.filter((a) => a.status === 429);
    expect(allowed + refused.length).toBe(runawayAnswers.length);
    expect(refused.length).toBeGreaterThan(0);
    // One bucket for both instances: the burst plus what refilled meanwhile (two buckets would allow twice the burst).
    expect(allowed).toBeGreaterThanOrEqual(rate.burst);
    expect(allowed).toBeLessThanOrEqual(rate.burst + Math.ceil(seconds * rate.ratePerSecond) + 1);

    const problem = refused[0];
    expect(problem.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problem.body).toMatchObject({ type: 'https://orderflow.example/problems/rate-limited', status: 429, title: 'Too many requests' });
    const retryAfter = Number(problem.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);

    // The bucket refills at the key's rate: the runaway key is served again once it slows down.
    await eventually('the runaway key to be served again', async () => (await probe(runaway[0])).status === 404, 10_000, 250);
  });

  it('refuses with 401/403 before counting: a bad key or scope never takes a token of a good key', async () => {
    const key = await stack.createKey(['orders:read'], { ratePerSecond: 1, burst: 2 });
    const [client] = clientsFor(key);
    // Scope check first: orders:write routes are 403 for this key and take no token.
    for (let n = 0; n < 5; n++) expect((await client('POST', `/v1/orders/${randomUUID()}/cancel`)).status).toBe(403);
    expect((await probe(client)).status).toBe(404);
    expect((await probe(client)).status).toBe(404);
    expect((await probe(client)).status).toBe(429);
  });
});
