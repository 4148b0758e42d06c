import { ReleaseService } from '@orderflow/release/release.service';
import { InstanceRegistry } from '@orderflow/release/instance-registry';
import { createRedis } from '@orderflow/locking/redis-connection';
import type Redis from 'ioredis';
import { AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { startRequestLoop } from '../support/request-loop';
import { RouteSessions } from '../support/route-sessions';
import { RouterProcess, startApiVersion, startRouterProcess } from '../support/router-stack';
import { TestStack, startTestStack } from '../support/test-stack';

const CONCURRENCY = 16;
// Each test runs a loop of thousands of requests on a shared, slow machine.
jest.setTimeout(400_000);

/** Orders a client was told were accepted, each found exactly once in PostgreSQL. */
async function countStored(stack: TestStack, accepted: Array<{ customerId: string; clientOrderId: string }>): Promise<Map<number, number>> {
  const rows: Array<{ n: string }> = await stack.db.query(
    `SELECT count(o.id) AS n
       FROM unnest($1::text[], $2::text[]) AS a(customer_id, client_order_id)
       LEFT JOIN orders o ON o.customer_id = a.customer_id AND o.client_order_id = a.client_order_id
      GROUP BY a.customer_id, a.client_order_id`,
    [accepted.map((a) => a.customerId), accepted.map((a) => a.clientOrderId)],
  );
  const histogram = new Map<number, number>();
  for (const row of rows) histogram.set(Number(row.n), (histogram.get(Number(row.n)) ?? 0) + 1);
  return histogram;
}

describe('canary through the router', () => {
  let stack: TestStack;
  let redis: Redis;
  let releases: ReleaseService;
  let key: string;
  const apps: AppProcess[] = [];
  const routers: RouterProcess[] = [];
  const stopped: AppProcess[] = [];

  const startApi = async (version: string, name: string, extra: Record<string, string> = {}) => {
    const app = await startApiVersion(stack, version, name, extra);
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    stack = await startTestStack();
    key = await stack.createKey(['orders:write', 'orders:read', 'admin']);
    redis = createRedis(stack.env.REDIS_URL);
    const registry = new InstanceRegistry(redis, 3);
    releases = new ReleaseService(stack.db, async (service) => (await registry.list(service)).map((i) => i.version));
  });

  afterAll(async () => {
    for (const app of stopped) app.signal('SIGCONT');
    await Promise.all(apps.map((app) => app.stop()));
    await Promise.all(routers.map((router) => router.stop()));
    redis?.disconnect();
    await stack?.stop();
  });

  it('fails no request across a step change, a pin, an instance joining, an instance stopped with SIGTERM and an abort', async () => {
    const [, stableB] = [await startApi('1.0.0', 'v1-a'), await startApi('1.0.0', 'v1-b')];
    const candidates = [await startApi('2.0.0', 'v2-a')];
    // No automatic decision in this test (never enough requests to judge): the operator drives it.
    const release = await releases.start(
      { service: 'api', version: '2.0.0', stable: '1.0.0', steps: [10, 50, 100], stepSeconds: 3600, bounds: { minRequests: 1e9 } },
      'test',
    );
    const router = await startRouterProcess(stack);
    routers.push(router);
    const customers = Array.from({ length: 200 }, (_, i) => `loop-cust-${i}`);
    const sessions = new RouteSessions(router.url, key);
    await sessions.refresh(customers);
    const onCandidateAt10 = sessions.on('2.0.0');
    expect(onCandidateAt10.length).toBeGreaterThan(0);
    await router.waitRoutes({ 'orderflow-route': sessions.token(onCandidateAt10[0]) }, '2.0.0');

    const loop = startRequestLoop({ url: router.url, apiKey: key, customers, tokenOf: (c) => sessions.token(c), concurrency: CONCURRENCY, maxRequests: 20_000, maxMs: 180_000, tail: 300 });
    const events: string[] = [];
    const at = async (count: number, what: string, action: () => Promise<void>) => {
      await loop.reached(count);
      await action();
      events.push(`${what} at request ${loop.sent()}`);
    };
    await at(300, 'step 10% -> 50%', async () => {
      await releases.promote('api', 'test');
      await sessions.refresh(customers);
    });
    await at(loop.sent() + 300, 'pin', async () => {
      await releases.pin(customers[0], 'api', '2.0.0', 'test');
      await sessions.refreshOne(customers[0]);
    });
    let joined: AppProcess | undefined;
    await at(loop.sent() + 300, 'instance joining', async () => {
      joined = await startApi('2.0.0', 'v2-b');
      candidates.push(joined);
      await eventually('the joined instance to get traffic', async () => router.accessLog().slice(-200).some((l) => l.upstream === joined!.url.slice(7)), 30_000);
    });
    await at(loop.sent() + 300, 'instance stopped with SIGTERM', async () => {
      expect((await stableB.stop()).code).toBe(0);
    });
    await at(loop.sent() + 300, 'abort', async () => {
      await releases.abort(release.id, 'test abort', null, 'test');
      await router.waitRoutes({ 'orderflow-route': sessions.token(customers[0]) }, '1.0.0');
    });
    loop.finish();
    const result = await loop.done;
    console.log(`no-failure loop: ${result.requests} requests at ${CONCURRENCY} concurrent in ${result.ms} ms, ${result.failures.length} failed; answered by ${JSON.stringify(result.byVersion)}; ${events.join(', ')}`);
    if (result.failures.length) console.log(`failures: ${JSON.stringify(result.failures.slice(0, 20))}`);
    expect(result.failures).toEqual([]);
    expect(events).toHaveLength(5);
    expect(result.byVersion['2.0.0']).toBeGreaterThan(0);
    expect(await countStored(stack, result.accepted)).toEqual(new Map([[1, result.accepted.length]]));
    // After the abort even the holders of a candidate token land on stable.
    for (const customerId of sessions.on('2.0.0').slice(0, 5)) {
      const response = await fetch(`${router.url}/health/live`, { headers: { 'orderflow-route': sessions.token(customerId) } });
      expect(response.headers.get('orderflow-version')).toBe('1.0.0');
    }
    await Promise.all(candidates.map((app) => app.stop()));
    await router.stop(); // the next test's router must be the elected one
  });

  it('aborts a candidate whose instances stop answering (SIGSTOP) within two step windows, losing and duplicating no order', async () => {
    const STEP_SECONDS = 6;
    await startApi('1.0.0', 'v1-c'); // with v1-a: two stable instances again
    const candidates = [await startApi('3.0.0', 'v3-a'), await startApi('3.0.0', 'v3-b')];
    const router = await startRouterProcess(stack, { ROUTER_READ_TIMEOUT_MS: '2500', ROUTER_CONNECT_TIMEOUT_MS: '300', RELEASE_MIN_REQUESTS: '20' });
    routers.push(router);
    // Latency under a loaded test machine is noise here: the test is about timeouts.
    const release = await releases.start({ service: 'api', version: '3.0.0', steps: [50, 100], stepSeconds: 3600, bounds: { maxP95Ratio: 100 } }, 'test');
    const customers = Array.from({ length: 100 }, (_, i) => `rollback-cust-${i}`);
    const sessions = new RouteSessions(router.url, key);
    await sessions.refresh(customers);
    const onCandidate = sessions.on('3.0.0');
    expect(onCandidate.length).toBeGreaterThan(10);
    await router.waitRoutes({ 'orderflow-route': sessions.token(onCandidate[0]) }, '3.0.0');

    const loop = startRequestLoop({
      url: router.url, apiKey: key, customers, tokenOf: (c) => sessions.token(c),
      concurrency: CONCURRENCY, maxRequests: 20_000, maxMs: 180_000, retryPosts: 20, tail: 300,
    });
    await loop.reached(300);
    // A short window from here on, so that the controller would also advance a healthy step by itself.
    await stack.db.query(`UPDATE releases SET step_seconds = $2, step_started_at = now() WHERE id = $1`, [release.id, STEP_SECONDS]);
    await loop.reached(loop.sent() + 200);
    const stoppedAt = Date.now();
    for (const app of candidates) {
      app.signal('SIGSTOP');
      stopped.push(app);
    }
    let abortedAt = 0;
    await eventually('the analysis to abort the candidate', async () => {
      const [row] = await stack.db.query(`SELECT status FROM releases WHERE id = $1`, [release.id]);
      if (row.status === 'aborted') abortedAt ||= Date.now();
      return row.status === 'aborted';
    }, 2 * STEP_SECONDS * 1000, 100);
    const [decision] = await stack.db.query(
      `SELECT action, reason, figures, actor FROM release_decisions WHERE release_id = $1 ORDER BY at DESC LIMIT 1`,
      [release.id],
    );
    expect(decision).toMatchObject({ action: 'abort', actor: 'controller' });
    expect(decision.figures.candidate.version).toBe('3.0.0');
    expect(decision.figures.stable.version).toBe('1.0.0');
    await router.waitRoutes({ 'orderflow-route': sessions.token(onCandidate[0]) }, '1.0.0');
    for (const app of candidates) app.signal('SIGCONT');
    stopped.length = 0;
    loop.finish();
    const result = await loop.done;
    const failedPosts = result.failures.filter((f) => f.method === 'POST').length;
    console.log(
      `automatic rollback: aborted ${abortedAt - stoppedAt} ms after SIGSTOP (step window ${STEP_SECONDS} s): "${decision.reason}"; ` +
        `loop ${result.requests} requests in ${result.ms} ms, ${result.failures.length} failed attempts (${failedPosts} of them POSTs, retried by the client with the same clientOrderId), ${result.accepted.length} orders accepted`,
    );
    expect(await countStored(stack, result.accepted)).toEqual(new Map([[1, result.accepted.length]]));
    const duplicates = await stack.db.query(`SELECT customer_id, client_order_id FROM orders GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(duplicates).toEqual([]);
  });
});
