import { randomUUID } from 'node:crypto';
import { InstanceRegistry } from '@orderflow/release/instance-registry';
import { ReleaseService } from '@orderflow/release/release.service';
import { signRouteToken } from '@orderflow/release/route-token';
import { createRedis } from '@orderflow/locking/redis-connection';
import { AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { RouterProcess, TEST_ROUTE_KEYS, startApiVersion, startRouterProcess } from '../support/router-stack';
import { TestStack, startTestStack } from '../support/test-stack';

/**
 * The router (`npm run start:router`: controller + real nginx) in front of two API versions with
 * two instances each, against real PostgreSQL and Redis.
 */
describe('router: customers reach their version', () => {
  let stack: TestStack;
  let router: RouterProcess;
  let releases: ReleaseService;
  let key: string;
  const stable: AppProcess[] = [];
  const candidate: AppProcess[] = [];
  const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

  const tokenOf = async (customerId: string, expiresAt = inAMinute()) =>
    signRouteToken(TEST_ROUTE_KEYS, customerId, await releases.sessionVersions(customerId), expiresAt);

  beforeAll(async () => {
    stack = await startTestStack();
    key = await stack.createKey(['orders:write', 'orders:read', 'admin']);
    const redis = createRedis(stack.env.REDIS_URL);
    const registry = new InstanceRegistry(redis, 3);
    releases = new ReleaseService(stack.db, async (service) => (await registry.list(service)).map((i) => i.version));
    stable.push(await startApiVersion(stack, '1.0.0', 'v1-a'), await startApiVersion(stack, '1.0.0', 'v1-b'));
    candidate.push(await startApiVersion(stack, '2.0.0', 'v2-a'), await startApiVersion(stack, '2.0.0', 'v2-b'));
    await releases.start({ service: 'api', version: '2.0.0', stable: '1.0.0', steps: [10, 50, 100], stepSeconds: 3600 }, 'test');
    router = await startRouterProcess(stack);
    redis.disconnect();
  });

  afterAll(async () => {
    await Promise.all([...stable, ...candidate].map((app) => app.stop()));
    await router?.stop();
    await stack?.stop();
  });

  it("sends a pinned customer's requests to its version, spread over both of its instances", async () => {
    const customerId = `pinned-${randomUUID().slice(0, 8)}`;
    await releases.pin(customerId, 'api', '2.0.0', 'test');
    const token = await tokenOf(customerId);
    await router.waitRoutes({ 'Orderflow-Route': token }, '2.0.0');
    const run = randomUUID().slice(0, 8);
    const answered: string[] = [];
    for (let i = 0; i < 40; i++) {
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': `pin-${run}-${i}` };
      const response = i % 2
        ? await fetch(`${router.url}/v1/customers/${customerId}/orders?limit=5`, { headers: { ...headers, cookie: `orderflow_route=${token}` } })
        : await fetch(`${router.url}/v1/orders`, {
            method: 'POST',
            headers: { ...headers, 'orderflow-route': token },
            body: JSON.stringify({ customerId, clientOrderId: `o-${i}`, currency: 'EUR', items: [{ sku: 'UNTRACKED-1', quantity: 1, unitPriceCents: 100 }] }),
          });
      expect([200, 201]).toContain(response.status);
      answered.push(response.headers.get('orderflow-version')!);
      await response.text();
    }
    expect(new Set(answered)).toEqual(new Set(['2.0.0']));
    const upstreams = (await router.accessLogLines(`pin-${run}-`, 40)).map((line) => line.upstream);
    expect(upstreams).toHaveLength(40);
    expect(new Set(upstreams)).toEqual(new Set(candidate.map((app) => app.url.replace('http://', ''))));
    const orders = await stack.db.query(`SELECT processed_by_version FROM orders WHERE customer_id = $1`, [customerId]);
    expect(orders.map((o: { processed_by_version: string }) => o.processed_by_version)).toEqual(Array(20).fill('2.0.0'));
  });

  it('sends a forged or expired token, or none, to stable', async () => {
    const customerId = `pinned-${randomUUID().slice(0, 8)}`;
    await releases.pin(customerId, 'api', '2.0.0', 'test');
    const good = await tokenOf(customerId);
    await router.waitRoutes({ 'Orderflow-Route': good }, '2.0.0');
    const forged = signRouteToken([{ id: TEST_ROUTE_KEYS[0].id, secret: 'someone-elses-secret-of-32-chars-or-more' }], customerId, { api: '2.0.0' }, inAMinute());
    const expired = await tokenOf(customerId, Math.floor(Date.now() / 1000) - 1);
    const cases: Array<Record<string, string>> = [{}, { 'Orderflow-Route': forged }, { 'Orderflow-Route': expired }, { cookie: `orderflow_route=${good.slice(0, -3)}abc` }];
    for (const headers of cases) {
      const response = await fetch(`${router.url}/health/live`, { headers });
      expect(response.headers.get('orderflow-version')).toBe('1.0.0');
    }
  });

  it('sends a version whose instances are all gone to stable', async () => {
    const customerId = `pinned-${randomUUID().slice(0, 8)}`;
    await releases.pin(customerId, 'api', '2.0.0', 'test');
    const token = await tokenOf(customerId);
    await router.waitRoutes({ 'Orderflow-Route': token }, '2.0.0');
    const stopped = await Promise.all(candidate.map((app) => app.stop()));
    expect(stopped.map((s) => s.code)).toEqual([0, 0]);
    // Deregistered on SIGTERM: at once, without waiting for the registry TTL.
    const response = await fetch(`${router.url}/health/live`, { headers: { 'Orderflow-Route': token } });
    expect(response.status).toBe(200);
    expect(response.headers.get('orderflow-version')).toBe('1.0.0');
    await eventually('the candidate to leave the rendered configuration', async () => !/"2\.0\.0" api_v/.test(readConf(router)));
  });
});

function readConf(router: RouterProcess): string {
  return require('node:fs').readFileSync(`${router.runtimeDir}/nginx.conf`, 'utf8');
}
