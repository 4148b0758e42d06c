import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { compileValidator } from '@orderflow/contracts/schema-validator';
import { orderEventSchema } from '@orderflow/contracts/order-event.schema';
import { exportOrders } from '@orderflow/reporting/order-export';
import { dateRange } from '@orderflow/reporting/report-params';
import { inCandidateGroup } from '@orderflow/release/assignment';
import { verifyRouteToken } from '@orderflow/release/route-token';
import { listenForReleaseChanges } from '@orderflow/release/release-notifications';
import { eventually } from '../support/eventually';
import { ApiInstance, startApiInstance } from '../support/api-instance';
import { HttpRequest, httpClient } from '../support/http-client';
import { TestStack, startTestStack } from '../support/test-stack';

const KEYS = `k2:${'b'.repeat(40)},k1:${'a'.repeat(40)}`;
const KEY_LIST = [{ id: 'k2', secret: 'b'.repeat(40) }, { id: 'k1', secret: 'a'.repeat(40) }];
const VERSION = '2.0.0-test';

describe('versions, sessions, release control and audit (API against real PostgreSQL and Redis)', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let storefront: HttpRequest;
  let admin: HttpRequest;

  beforeAll(async () => {
    stack = await startTestStack();
    api = await startApiInstance(stack.config({ ORDERFLOW_VERSION: VERSION, ROUTE_TOKEN_KEYS: KEYS, ROUTE_TOKEN_TTL_SECONDS: '900' }));
    storefront = httpClient(api.url, await stack.createKey(['orders:write', 'orders:read']));
    admin = httpClient(api.url, await stack.createKey(['admin']));
  });

  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  const session = async (customerId: string) => {
    const response = await storefront('POST', `/v1/customers/${customerId}/session`);
    expect(response.status).toBe(200);
    return response;
  };

  describe('versions', () => {
    it('names its version in every response, in /health/live and on its metrics', async () => {
      const live = await fetch(`${api.url}/health/live`);
      expect(live.headers.get('orderflow-version')).toBe(VERSION);
      expect(await live.json()).toEqual({ status: 'ok', version: VERSION });
      const missing = await storefront('GET', '/v1/no-such-route');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('orderflow-version')).toBe(VERSION);
      const metrics = await (await fetch(`${api.url}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`orderflow_http_request_duration_seconds_count\\{[^}]*version="${VERSION.replace(/\./g, '\\.')}"`));
    });

    it('records the version on new orders (JSON, outcome event, export) and null on orders from before', async () => {
      const placed = await storefront('POST', '/v1/orders', {
        customerId: 'ver-1',
        clientOrderId: 'o-1',
        currency: 'EUR',
        items: [{ sku: 'SKU-V', quantity: 1, unitPriceCents: 100 }],
      });
      expect(placed.status).toBe(201);
      expect(placed.body.processedByVersion).toBe(VERSION);
      expect((await storefront('GET', `/v1/orders/${placed.body.id}`)).body.processedByVersion).toBe(VERSION);

      const [event] = await stack.db.query(`SELECT payload FROM outbox_events WHERE customer_id = 'ver-1'`);
      expect(event.payload.order.processedByVersion).toBe(VERSION);
      expect(compileValidator(orderEventSchema)(event.payload).ok).toBe(true);

      // An order written by the previous code, which knows nothing of the column.
      const oldId = randomUUID();
      await stack.db.query(`INSERT INTO customers (id, currency, last_order_number) VALUES ('ver-old', 'EUR', 1)`);
      await stack.db.query(
        `INSERT INTO orders (id, customer_id, client_order_id, order_number, status, currency, total_cents, source, request_hash)
         VALUES ($1, 'ver-old', 'o-1', 1, 'CONFIRMED', 'EUR', 100, 'http', repeat('0', 64))`,
        [oldId],
      );
      await stack.db.query(`INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents) VALUES ($1, 1, 'SKU-V', 1, 100)`, [oldId]);
      const old = await storefront('GET', `/v1/orders/${oldId}`);
      expect(old.status).toBe(200);
      expect(old.body.processedByVersion).toBeNull();

      await stack.postgres.waitForReplicaCatchUp(30_000);
      const dir = mkdtempSync(join(tmpdir(), 'orderflow-release-export-'));
      const today = new Date().toISOString().slice(0, 10);
      const range = dateRange(today, today, 1, []);
      if (!range) throw new Error('bad range');
      const exportTo = async (format: 'csv' | 'jsonl') => {
        const out = join(dir, `orders.${format}`);
        await exportOrders({
          replicaUrl: stack.env.DATABASE_REPLICA_URL,
          range,
          format,
          out,
          s3: { region: 'us-east-1' },
          progress: { start: () => undefined, stop: () => undefined },
        });
        return readFileSync(out, 'utf8');
      };
      const csv: Array<Record<string, string>> = parse(await exportTo('csv'), { columns: true });
      expect(Object.fromEntries(csv.map((row) => [row.id, row.processedByVersion]))).toEqual({ [placed.body.id]: VERSION, [oldId]: '' });
      const lines = (await exportTo('jsonl')).trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(Object.fromEntries(lines.map((line) => [line.id, line.processedByVersion]))).toEqual({ [placed.body.id]: VERSION, [oldId]: null });
    });
  });

  describe('the session endpoint', () => {
    it('sets the route cookie with the documented attributes and a token that verifies with the configured keys', async () => {
      const before = Math.floor(Date.now() / 1000);
      const response = await session('cust-s1');
      expect(response.headers.get('set-cookie')).toBe(`orderflow_route=${response.body.route}; Path=/; HttpOnly; SameSite=Lax; Max-Age=900`);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const verified = verifyRouteToken(KEY_LIST, response.body.route);
      expect(verified).toEqual({ ok: true, claims: { customerId: 'cust-s1', versions: response.body.versions, expiresAt: expect.any(Number), keyId: 'k2' } });
      if (!verified.ok) return;
      expect(verified.claims.expiresAt).toBeGreaterThanOrEqual(before + 900);
      expect(verified.claims.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 900);
      expect(response.body.expiresAt).toBe(new Date(verified.claims.expiresAt * 1000).toISOString());
      // The version is in the signed token only, never in a URL.
      expect(JSON.stringify(Object.fromEntries(response.headers))).not.toContain('location');
    });

    it('needs orders:write and a valid customer id', async () => {
      expect((await httpClient(api.url)('POST', '/v1/customers/c/session')).status).toBe(401);
      const forbidden = await admin('POST', '/v1/customers/c/session');
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
      expect((await storefront('POST', '/v1/customers/bad%20id/session')).status).toBe(400);
    });
  });

  describe('release lifecycle over the admin routes', () => {
    const customers = Array.from({ length: 1000 }, (_, i) => `sticky-${i}`);
    const onCandidate = async (candidate: string) => {
      const sessions = await inBatches(customers, 16, (c) => session(c));
      return new Set(sessions.filter((s) => s.body.versions.api === candidate).map((s) => s.body.customerId as string));
    };

    it('refuses a first release whose stable version nobody knows, and bad input, with problem+json', async () => {
      // The only live api instance runs the candidate itself: nothing tells the stable version.
      const unknown = await admin('POST', '/v1/admin/releases', { service: 'api', version: VERSION });
      expect(unknown.status).toBe(409);
      expect(unknown.body.type).toBe('https://orderflow.example/problems/release-conflict');
      const bad = await admin('POST', '/v1/admin/releases', { service: 'db', version: 'a b', steps: [50, 10] });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['/service', '/version']);
      const steps = await admin('POST', '/v1/admin/releases', { service: 'api', version: '2.0.0', stable: '1.0.0', steps: [50, 10] });
      expect(steps.status).toBe(400);
      expect(steps.body.errors).toEqual([{ field: '/steps', message: 'must increase strictly' }]);
      expect((await admin('POST', '/v1/admin/releases/promote')).status).toBe(409);
      expect((await admin('POST', '/v1/admin/releases/abort', {})).status).toBe(409);
    });

    it('moves sticky groups 10% -> 50% -> 100%, then makes the candidate stable', async () => {
      const started = await admin('POST', '/v1/admin/releases', { service: 'api', version: '2.0.0', stable: '1.0.0', stepSeconds: 60 });
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({ service: 'api', stableVersion: '1.0.0', candidateVersion: '2.0.0', percent: 10, steps: [10, 50, 100], stepIndex: 0, status: 'running', createdBy: 'test-admin' });
      expect((await admin('POST', '/v1/admin/releases', { service: 'api', version: '3.0.0' })).status).toBe(409);

      const at10 = await onCandidate('2.0.0');
      const promoted = await admin('POST', '/v1/admin/releases/promote', { service: 'api' });
      expect(promoted.body).toMatchObject({ percent: 50, stepIndex: 1, status: 'running' });
      const at50 = await onCandidate('2.0.0');
      expect((await admin('POST', '/v1/admin/releases/promote')).body).toMatchObject({ percent: 100, stepIndex: 2 });
      const at100 = await onCandidate('2.0.0');
      console.log(`stickiness over 1000 customers: ${at10.size} on the candidate at 10%, ${at50.size} at 50%, ${at100.size} at 100%`);
      // The groups are exactly the rollout's buckets (their spread is the unit tests' concern).
      const group = (percent: number) => customers.filter((c) => inCandidateGroup(started.body.id, c, percent));
      expect([...at10].sort()).toEqual(group(10).sort());
      expect([...at50].sort()).toEqual(group(50).sort());
      expect([...at10].filter((c) => !at50.has(c))).toEqual([]);
      expect(at100.size).toBe(1000);

      const finished = await admin('POST', '/v1/admin/releases/promote');
      expect(finished.body).toMatchObject({ status: 'promoted', percent: 100 });
      const status = await admin('GET', '/v1/admin/releases');
      expect(status.body.stable).toEqual({ api: '2.0.0' });
      expect(status.body.releases[0].decisions.map((d: { action: string }) => d.action)).toEqual(['complete', 'advance', 'advance']);
      expect((await session('sticky-1')).body.versions).toEqual({ api: '2.0.0' });
      expect((await admin('POST', '/v1/admin/releases/promote')).status).toBe(409);
    });

    it('aborts: everyone back to stable at once, pins to the aborted version included; an aborted release cannot be aborted again', async () => {
      expect((await admin('POST', '/v1/admin/releases', { service: 'api', version: '2.1.0', steps: [50, 100] })).status).toBe(201);
      expect((await admin('PUT', '/v1/admin/releases/pins/pinned-1/api', { version: '2.1.0' })).status).toBe(200);
      expect((await session('pinned-1')).body.versions.api).toBe('2.1.0');
      expect((await onCandidate('2.1.0')).size).toBeGreaterThan(300);
      const aborted = await admin('POST', '/v1/admin/releases/abort', { reason: 'p95 too high' });
      expect(aborted.body).toMatchObject({ status: 'aborted', percent: 0 });
      expect((await onCandidate('2.1.0')).size).toBe(0);
      expect((await session('pinned-1')).body.versions.api).toBe('2.0.0');
      const status = await admin('GET', '/v1/admin/releases');
      expect(status.body.abortedVersions).toEqual({ api: ['2.1.0'] });
      expect(status.body.releases[0].decisions[0]).toMatchObject({ action: 'abort', reason: 'p95 too high', actor: 'test-admin' });
      expect((await admin('POST', '/v1/admin/releases/abort')).status).toBe(409);
      await admin('DELETE', '/v1/admin/releases/pins/pinned-1');
    });

    it('lets only one of concurrent starts of a service through', async () => {
      const starts = await Promise.all(
        [1, 2, 3].map(() => admin('POST', '/v1/admin/releases', { service: 'worker', version: '3.0.0', stable: '2.9.0' })),
      );
      expect(starts.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      const [running] = await stack.db.query(`SELECT count(*)::int AS n FROM releases WHERE service = 'worker' AND status = 'running'`);
      expect(running.n).toBe(1);
      expect((await admin('POST', '/v1/admin/releases/abort', { service: 'worker' })).status).toBe(200);
    });

    it('announces every committed change on orderflow_release, so that routers re-render at once', async () => {
      let changes = 0;
      const listener = listenForReleaseChanges(stack.env.DATABASE_URL, () => changes++);
      try {
        await eventually('the listener to connect', async () => changes >= 1, 10_000, 50);
        const connected = changes;
        expect((await admin('PUT', '/v1/admin/releases/pins/notified/api', { version: '2.0.0' })).status).toBe(200);
        await eventually('the notification of the pin', async () => changes > connected, 10_000, 50);
        await admin('DELETE', '/v1/admin/releases/pins/notified');
      } finally {
        await listener.close();
      }
    });

    it('pins and unpins a customer per service; the session follows', async () => {
      expect((await admin('PUT', '/v1/admin/releases/pins/pin-2/api', { version: '9.9.9' })).body).toEqual({ customerId: 'pin-2', service: 'api', version: '9.9.9' });
      expect((await admin('PUT', '/v1/admin/releases/pins/pin-2/worker', { version: '1.4.0' })).status).toBe(200);
      expect((await session('pin-2')).body.versions).toEqual({ api: '9.9.9', worker: '1.4.0' });
      expect((await admin('DELETE', '/v1/admin/releases/pins/pin-2/api')).body).toEqual({ customerId: 'pin-2', removed: [{ service: 'api', version: '9.9.9' }] });
      expect((await session('pin-2')).body.versions).toEqual({ api: '2.0.0', worker: '1.4.0' });
      expect((await admin('DELETE', '/v1/admin/releases/pins/pin-2')).body.removed).toEqual([{ service: 'worker', version: '1.4.0' }]);
      expect((await admin('PUT', '/v1/admin/releases/pins/pin-2/db', { version: '1' })).status).toBe(400);
      expect((await admin('PUT', '/v1/admin/releases/pins/pin-2/api', { version: 'no spaces' })).status).toBe(400);
    });
  });

  describe('audit', () => {
    it('records every admin action with the key name, before and after, and pages through it', async () => {
      await admin('PUT', '/v1/customers/audited', { currency: 'EUR', creditLimitCents: 1000 });
      await admin('PUT', '/v1/customers/audited', { currency: 'EUR', creditLimitCents: 5000 });
      await admin('PUT', '/v1/inventory/SKU-AUD', { available: 3 });
      await admin('PUT', '/v1/admin/maintenance', { enabled: true });
      await admin('PUT', '/v1/admin/maintenance', { enabled: false });

      const all: Array<Record<string, any>> = [];
      let after = '0';
      for (let pages = 0; pages < 100; pages++) {
        const page = await admin('GET', `/v1/admin/audit?limit=7&after=${after}`);
        expect(page.status).toBe(200);
        expect(page.body.entries.length).toBeLessThanOrEqual(7);
        all.push(...page.body.entries);
        if (page.body.nextCursor === null) break;
        after = page.body.nextCursor;
      }
      expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b));
      expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
      expect(all.every((e) => e.actor === 'test-admin')).toBe(true);

      const actions = all.map((e) => e.action);
      expect(actions).toEqual(
        expect.arrayContaining(['release.start', 'release.promote', 'release.abort', 'release.pin', 'release.unpin', 'customer.put', 'inventory.put', 'maintenance.set']),
      );
      const customerPuts = all.filter((e) => e.target === 'customer:audited');
      expect(customerPuts.map((e) => [e.before?.creditLimitCents ?? null, e.after.creditLimitCents])).toEqual([
        [null, 1000],
        [1000, 5000],
      ]);
      expect(all.find((e) => e.target === 'inventory:SKU-AUD')).toMatchObject({ before: null, after: { available: 3 } });
      expect(all.filter((e) => e.action === 'maintenance.set').map((e) => [e.before.enabled, e.after.enabled])).toEqual([
        [false, true],
        [true, false],
      ]);
      const abort = all.find((e) => e.action === 'release.abort')!;
      expect(abort.before).toMatchObject({ status: 'running', percent: 50 });
      expect(abort.after).toMatchObject({ status: 'aborted', percent: 0, reason: 'p95 too high' });
      expect(all.find((e) => e.action === 'release.pin' && e.target === 'customer:pin-2')).toMatchObject({ before: null, after: { service: 'api', version: '9.9.9' } });

      expect((await admin('GET', '/v1/admin/audit?limit=0')).status).toBe(400);
      expect((await storefront('GET', '/v1/admin/audit')).status).toBe(403);
    });
  });

  it('documents every new route in the OpenAPI document with an operationId, tag, security and problem responses', async () => {
    const doc = (await httpClient(api.url)('GET', '/openapi.json')).body;
    const routes: Array<[string, string]> = [
      ['/v1/customers/{customerId}/session', 'post'],
      ['/v1/admin/releases', 'get'],
      ['/v1/admin/releases', 'post'],
      ['/v1/admin/releases/promote', 'post'],
      ['/v1/admin/releases/abort', 'post'],
      ['/v1/admin/releases/pins/{customerId}/{service}', 'put'],
      ['/v1/admin/releases/pins/{customerId}/{service}', 'delete'],
      ['/v1/admin/releases/pins/{customerId}', 'delete'],
      ['/v1/admin/releases/instances', 'get'],
      ['/v1/admin/audit', 'get'],
    ];
    for (const [path, method] of routes) {
      const operation = doc.paths[path]?.[method];
      const { operationId, tags, security, 'x-required-scope': scope } = operation ?? {};
      expect({ path, method, operationId, tags, security, scope, problem: operation?.responses?.['403'] }).toEqual({
        path,
        method,
        operationId: expect.any(String),
        tags: [expect.any(String)],
        // Bearer schemes name no scopes in the requirement: the scope is the x-required-scope extension (openapi-helpers.ts).
        security: [{ apiKey: [] }],
        scope: path.endsWith('/session') ? 'orders:write' : 'admin',
        problem: expect.objectContaining({ content: { 'application/problem+json': expect.anything() } }),
      });
    }
  });
});

async function inBatches<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]);
      }
    }),
  );
  return results;
}
