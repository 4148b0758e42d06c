import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Client } from 'pg';
import { ensureBucket } from '@orderflow/devstack/queues';
import { freePort } from '@orderflow/devstack/free-port';
import { AppProcess, startAppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { httpClient } from '../support/http-client';
import { makeKeyFile, writeBundle } from '../support/secret-bundles';
import { filesContaining, filesModifiedSince } from '../support/secret-scan';
import { startTestStack, TestStack } from '../support/test-stack';
import { startWorkerProcess } from '../support/worker-process';

const ROLE = 'orderflow_api';
const CLIENTS = 8;
const CUSTOMERS = 40;
const BUNDLE = 's3://orderflow-secrets/test/api.bundle';
const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

/**
 * The API runs with its database and Redis URLs in an encrypted bundle, under load. Both
 * passwords are changed on the servers, the bundle is updated, the API gets SIGHUP: its new
 * connections (forced by ending the old ones) use the new passwords, no order is lost or
 * duplicated, and no secret value reaches a file, a log line or the app's environment.
 */
describe('rotating the database and Redis passwords of a running API', () => {
  const startedAt = Date.now();
  const passwords = { dbOld: secret('DbOld'), dbNew: secret('DbNew'), redisOld: secret('RedisOld'), redisNew: secret('RedisNew') };
  let stack: TestStack;
  let api: AppProcess;
  let worker: AppProcess | undefined;
  let redisAdmin: Redis;
  let keyFile: string;
  let pgPort: string;
  let redisPort: string;

  const bundleFor = (dbPassword: string, redisPassword: string) => ({
    DATABASE_URL: `postgres://${ROLE}:${dbPassword}@127.0.0.1:${pgPort}/orderflow`,
    REDIS_URL: `redis://${ROLE}:${redisPassword}@127.0.0.1:${redisPort}`,
  });

  beforeAll(async () => {
    stack = await startTestStack();
    pgPort = new URL(stack.env.DATABASE_URL).port;
    redisPort = new URL(stack.env.REDIS_URL).port;
    // A role of its own for the API, with a password required over TCP (the stack trusts everyone else).
    await stack.db.query(`CREATE ROLE ${ROLE} LOGIN SUPERUSER PASSWORD '${passwords.dbOld}'`);
    const [{ hba_file: hbaFile }] = await stack.db.query(`SHOW hba_file`);
    const hba = readFileSync(hbaFile, 'utf8');
    writeFileSync(hbaFile, `host all ${ROLE} 127.0.0.1/32 scram-sha-256\n${hba}`);
    await stack.db.query(`SELECT pg_reload_conf()`);
    redisAdmin = new Redis(stack.env.REDIS_URL);
    await redisAdmin.call('ACL', 'SETUSER', ROLE, 'on', `>${passwords.redisOld}`, '~*', '&*', '+@all');

    await ensureBucket({ endpoint: stack.env.S3_ENDPOINT, region: stack.env.AWS_REGION, bucket: 'orderflow-secrets' });
    keyFile = makeKeyFile(stack.rootDir, 'local');
    await writeBundle(BUNDLE, bundleFor(passwords.dbOld, passwords.redisOld), { app: 'api', environment: 'test' }, [keyFile], stack.env.S3_ENDPOINT);
    const { DATABASE_URL: _db, REDIS_URL: _redis, ...rest } = stack.env;
    api = await startAppProcess(
      'api',
      { ...rest, SECRETS_BUNDLES: BUNDLE, SECRETS_KEY_FILE: keyFile, ORDERFLOW_ENV: 'test', SECRETS_REFRESH_SECONDS: '0' },
      await freePort(),
      join(stack.rootDir, 'api.log'),
    );
  });

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    redisAdmin?.disconnect();
    await stack?.stop();
  });

  it('new connections use the new passwords after SIGHUP, no order is lost, and the secrets appear nowhere', async () => {
    const apiLog = join(stack.rootDir, 'api.log');
    const logLines = () => readFileSync(apiLog, 'utf8').split('\n').filter(Boolean);
    const loaded = logLines()
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((entry) => entry.msg === 'secrets loaded from bundles');
    expect(loaded).toMatchObject({ bundles: [BUNDLE], variables: ['DATABASE_URL', 'REDIS_URL'] });
    console.log(`start-up: bundle downloaded and decrypted in ${loaded.loadMs} ms (decrypting alone ${loaded.decryptMs} ms)`);

    const post = httpClient(api.url, await stack.createKey(['orders:write', 'orders:read']));
    const accepted = new Map<string, number>();
    const statuses = new Map<number, number>();
    const serverErrors: string[] = [];
    let stopping = false;
    let createdAfterRotation = 0;
    let rotatedAt = Infinity;
    // Storefronts: each sends its orders one after another and retries a 5xx or a network error with the same clientOrderId.
    const storefront = async (index: number) => {
      for (let n = 0; !stopping; n++) {
        const body = { customerId: `rot-${(index * 7 + n) % CUSTOMERS}`, clientOrderId: `s${index}-${n}`, currency: 'EUR', items: [{ sku: 'ROT-1', quantity: 1, unitPriceCents: 100 }] };
        for (;;) {
          const sentAt = Date.now();
          const response = await post('POST', '/v1/orders', body).catch(() => undefined);
          const status = response?.status ?? 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if ([200, 201, 202].includes(status)) {
            accepted.set(`${body.customerId}/${body.clientOrderId}`, status);
            if (status === 201 && sentAt > rotatedAt) createdAfterRotation++;
            break;
          }
          if (status !== 0 && status < 500) throw new Error(`unexpected ${status}: ${JSON.stringify(response?.body)}`);
          if (status >= 500) serverErrors.push(`${status} ${JSON.stringify(response?.body)}`);
          await sleep(50); // a storefront's backoff before retrying
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, i) => storefront(i)));
    await eventually('orders flowing with the old passwords', async () => accepted.size >= 200);

    // 1. The servers take the new passwords (Redis keeps the old one until the apps have moved).
    await stack.db.query(`ALTER ROLE ${ROLE} PASSWORD '${passwords.dbNew}'`);
    await redisAdmin.call('ACL', 'SETUSER', ROLE, `>${passwords.redisNew}`);
    // 2. The bundle is updated, 3. the API is told to re-read it.
    await writeBundle(BUNDLE, bundleFor(passwords.dbNew, passwords.redisNew), { app: 'api', environment: 'test' }, [keyFile], stack.env.S3_ENDPOINT);
    api.signal('SIGHUP');
    await eventually('the API to apply the new credentials', async () =>
      logLines().some((line) => line.includes('new connections use the new credentials')),
    );
    await redisAdmin.call('ACL', 'SETUSER', ROLE, `<${passwords.redisOld}`);

    // Every connection opened before is ended: whatever the API opens from now on is new.
    const [{ now: rotationTime }] = await stack.db.query(`SELECT now()`);
    rotatedAt = Date.now();
    await stack.db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [ROLE]);
    await redisAdmin.call('CLIENT', 'KILL', 'USER', ROLE);

    await eventually('orders created synchronously again, on new connections', async () => createdAfterRotation >= 100);
    const [{ fresh }] = await stack.db.query(
      `SELECT count(*)::int AS fresh FROM pg_stat_activity WHERE usename = $1 AND application_name = 'orderflow-api' AND backend_start > $2`,
      [ROLE, rotationTime],
    );
    expect(fresh).toBeGreaterThan(0);
    const redisClients = String(await redisAdmin.call('CLIENT', 'LIST'));
    expect(redisClients).toContain(`user=${ROLE}`);
    stopping = true;
    await load;

    // The old passwords no longer open a connection.
    const old = new Client({ host: '127.0.0.1', port: Number(pgPort), user: ROLE, password: passwords.dbOld, database: 'orderflow' });
    await expect(old.connect()).rejects.toMatchObject({ code: '28P01' });
    await expect(redisAdmin.call('AUTH', ROLE, passwords.redisOld)).rejects.toThrow(/WRONGPASS/);

    // Nothing lost, nothing twice: orders answered 202 (queued while connections failed) are processed by a worker.
    worker = await startWorkerProcess(stack, 'worker');
    const keys = [...accepted.keys()];
    const committed = async () => {
      const rows: Array<{ key: string }> = await stack.db.query(`SELECT customer_id || '/' || client_order_id AS key FROM orders WHERE customer_id LIKE 'rot-%'`);
      return new Set(rows.map((row) => row.key));
    };
    let committedKeys = new Set<string>();
    await eventually('every accepted order in PostgreSQL', async () => {
      committedKeys = await committed();
      return keys.every((key) => committedKeys.has(key));
    }, 120_000);
    const [{ duplicates }] = await stack.db.query(
      `SELECT count(*)::int AS duplicates FROM (SELECT 1 FROM orders GROUP BY customer_id, client_order_id HAVING count(*) > 1) d`,
    );
    expect(duplicates).toBe(0);
    expect((await committed()).size).toBe(keys.length);
    console.log(`rotation under load: ${keys.length} orders accepted (${[...statuses].map(([s, n]) => `${s || 'network error'}: ${n}`).join(', ')}); ${createdAfterRotation} created on new connections after the rotation; all in PostgreSQL once`);
    if (serverErrors.length > 0) {
      const causes = logLines()
        .filter((line) => line.startsWith('{') && line.includes('"level":50'))
        .map((line) => JSON.parse(line) as { err?: { type?: string; message?: string } })
        .map((entry) => `${entry.err?.type}: ${entry.err?.message}`);
      console.log(`server errors (retried by the storefronts): ${serverErrors.length}; logged causes: ${[...new Set(causes)].join('; ')}`);
    }

    // The secrets never reached the API's environment, a log line or a file of the run.
    const values = Object.values(passwords);
    const environ = readFileSync(`/proc/${api.pid}/environ`, 'latin1');
    expect(values.filter((value) => environ.includes(value))).toEqual([]);
    await api.stop();
    await worker.stop();
    const lines = logLines();
    expect(lines.some((line) => line.includes('SIGHUP: re-reading secret bundles'))).toBe(true);
    expect(lines.filter((line) => values.some((value) => line.includes(value)))).toEqual([]);
    expect(filesContaining(stack.rootDir, values)).toEqual([]);
    const tempFiles = filesModifiedSince(tmpdir(), startedAt);
    expect(tempFiles.flatMap((file) => filesContaining(file, values))).toEqual([]);
  });
});
