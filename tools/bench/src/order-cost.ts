import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { HttpTarget } from './http-target';
import { sendOrders } from '@orderflow/harness/order-sender';
import { seedStock } from './seeding';
import { startSystem, SystemUnderTest } from './system-under-test';
import { sqsCallCounts } from './sqs-call-counts';
import { BENCH_SHAPE, OrderGenerator, skuId, WorkloadShape } from './workload';
import { AppProcess } from '@orderflow/harness/app-process';

/**
 * What one committed order costs in countable units, which do not depend on how busy the machine
 * is (unlike throughput): statements and round trips to PostgreSQL (pg_stat_statements), WAL
 * bytes, Redis commands (INFO commandstats), SQS calls by operation (the apps' own counter),
 * log lines and bytes. `npm run cost` prints them for the REST path and for the SQS path.
 */
export interface CostReport {
  phase: 'rest' | 'sqs';
  orders: number;
  /** Per order. */
  pgStatements: number;
  pgByStatement: Array<{ query: string; callsPerOrder: number; walBytesPerOrder: number }>;
  walBytes: number;
  walRecords: number;
  walFullPageImages: number;
  redisCommands: number;
  redisByCommand: Record<string, number>;
  sqsCalls: number;
  sqsByOperation: Record<string, number>;
  logLines: Record<string, number>;
  logBytes: Record<string, number>;
  /** Row changes per order by table; `hot` updates maintain no index. */
  tables: Record<string, { inserts: number; updates: number; hotUpdates: number; indexes: number }>;
}

const PROBE_ROLE = 'orderflow_cost_probe';

interface Snapshot {
  statements: Map<string, { query: string; calls: number; walBytes: number }>;
  wal: { bytes: number; records: number; fpi: number };
  redis: Record<string, number>;
  sqs: Record<string, number>;
  logs: Record<string, { lines: number; bytes: number }>;
  tables: Record<string, { inserts: number; updates: number; hotUpdates: number; indexes: number }>;
}

export async function measureOrderCosts(opts: { orders: number; clients: number; appEnv?: Record<string, string>; log: (line: string) => void }): Promise<CostReport[]> {
  const { log } = opts;
  const stackDir = mkdtempSync(path.join(os.tmpdir(), 'orderflow-cost-'));
  const system = await startSystem({ stackDir, logDir: path.join(stackDir, 'logs'), ownStack: true, appEnv: { LOG_LEVEL: 'info', ...opts.appEnv }, log });
  const redis = new Redis(system.env.REDIS_URL);
  let probe: Pool | undefined;
  try {
    // pg_stat_statements needs preloading: a restart of this throwaway primary.
    await system.pool.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    await system.stack!.postgres.restartPrimary();
    await retry(() => system.pool.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`));
    await system.pool.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${PROBE_ROLE}') THEN CREATE ROLE ${PROBE_ROLE} LOGIN SUPERUSER; END IF; END $$`);
    // The probe's own queries (snapshots, waiting) run as another role and are left out of the counts.
    const url = new URL(system.env.DATABASE_URL);
    url.username = PROBE_ROLE;
    probe = new Pool({ connectionString: url.toString(), max: 2 });

    const runTag = `k${Date.now().toString(36)}`;
    const shape: WorkloadShape = { ...BENCH_SHAPE, runTag, seed: 7 };
    const api = await system.startApp('api', 'api-1');
    const worker = await system.startApp('worker', 'worker-1');
    const target = new HttpTarget(api.url, system.apiKey, opts.clients);
    const stock = new Map(Array.from({ length: shape.skus }, (_, i) => [skuId(runTag, i), 1_000_000_000] as const));
    await seedStock(target, stock);
    const apps = [api, worker];

    const rest = async (generator: OrderGenerator, count: number) => {
      let left = count;
      await Promise.all(
        Array.from({ length: opts.clients }, async () => {
          while (left-- > 0) {
            // A problem answer is thrown by the client as an OrderflowProblem (status, type, detail).
            const placed = await target.client.placeOrder(generator.next());
            if (placed.status !== 201) throw new Error(`POST /v1/orders answered ${placed.status}`);
          }
        }),
      );
    };
    // Warm-up: customers created, JIT, prepared statements on every pooled connection.
    await rest(new OrderGenerator(shape, 'c', 'warm'), 300);
    await waitUntil(probe, `SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`, 0);

    const reports: CostReport[] = [];
    {
      const before = await snapshot(probe, redis, apps);
      await rest(new OrderGenerator(shape, 'c', 'rest'), opts.orders);
      await waitUntil(probe, `SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`, 0);
      reports.push(costs('rest', opts.orders, before, await snapshot(probe, redis, apps)));
    }
    {
      const generator = new OrderGenerator(shape, 'c', 'sqs');
      const commands: PlaceOrderCommand[] = Array.from({ length: opts.orders }, () => generator.next());
      const before = await snapshot(probe, redis, apps);
      const sent = await sendOrders(system.sqs!, system.env.ORDERS_QUEUE_URL, commands, { lanes: 4 });
      if (sent.unsent.length) throw new Error(`${sent.unsent.length} orders could not be sent`);
      await waitUntil(probe, `SELECT ${opts.orders} - count(*)::int AS n FROM orders WHERE client_order_id LIKE 'sqs-%'`, 0);
      await waitUntil(probe, `SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`, 0);
      // Let the last deletes reach the queue before counting the calls.
      await sleep(1000);
      reports.push(costs('sqs', opts.orders, before, await snapshot(probe, redis, apps)));
    }
    target.close();
    return reports;
  } finally {
    redis.disconnect();
    await probe?.end().catch(() => undefined);
    await system.stop();
  }
}

async function snapshot(probe: Pool, redis: Redis, apps: AppProcess[]): Promise<Snapshot> {
  const statements = new Map<string, { query: string; calls: number; walBytes: number }>();
  const { rows } = await probe.query<{ id: string; query: string; calls: string; wal_bytes: string }>(
    `SELECT s.queryid::text AS id, s.query, s.calls, s.wal_bytes FROM pg_stat_statements s
     WHERE s.userid <> (SELECT oid FROM pg_roles WHERE rolname = $1)`,
    [PROBE_ROLE],
  );
  for (const row of rows) {
    const entry = statements.get(row.query) ?? { query: row.query, calls: 0, walBytes: 0 };
    entry.calls += Number(row.calls);
    entry.walBytes += Number(row.wal_bytes);
    statements.set(row.query, entry);
  }
  const [wal] = (await probe.query(`SELECT wal_bytes, wal_records, wal_fpi FROM pg_stat_wal`)).rows;
  const tableRows = (
    await probe.query<{ relname: string; ins: string; upd: string; hot: string; idx: number }>(
      `SELECT t.relname, t.n_tup_ins AS ins, t.n_tup_upd AS upd, t.n_tup_hot_upd AS hot,
              (SELECT count(*)::int FROM pg_index i WHERE i.indrelid = t.relid) AS idx
       FROM pg_stat_user_tables t WHERE t.relname IN ('orders', 'order_items', 'customers', 'inventory', 'outbox_events')`,
    )
  ).rows;
  const redisStats: Record<string, number> = {};
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match && match[1] !== 'info') redisStats[match[1]] = Number(match[2]);
  }
  const sqs = await sqsCallCounts(apps);
  const logs: Snapshot['logs'] = {};
  for (const app of apps) {
    const text = readFileSync(app.logFile, 'utf8');
    logs[app.name] = { lines: text.split('\n').length - 1, bytes: statSync(app.logFile).size };
  }
  return {
    statements,
    wal: { bytes: Number(wal.wal_bytes), records: Number(wal.wal_records), fpi: Number(wal.wal_fpi) },
    redis: redisStats,
    sqs,
    logs,
    tables: Object.fromEntries(
      tableRows.map((t) => [t.relname, { inserts: Number(t.ins), updates: Number(t.upd), hotUpdates: Number(t.hot), indexes: t.idx }]),
    ),
  };
}

function costs(phase: CostReport['phase'], orders: number, before: Snapshot, after: Snapshot): CostReport {
  const per = (value: number) => Math.round((value / orders) * 100) / 100;
  const pgByStatement: CostReport['pgByStatement'] = [];
  for (const [query, now] of after.statements) {
    const was = before.statements.get(query) ?? { calls: 0, walBytes: 0 };
    const calls = now.calls - was.calls;
    if (calls > 0) pgByStatement.push({ query: oneLine(query), callsPerOrder: per(calls), walBytesPerOrder: per(now.walBytes - was.walBytes) });
  }
  pgByStatement.sort((a, b) => b.callsPerOrder - a.callsPerOrder);
  const diff = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.keys(a).map((key) => [key, per(a[key] - (b[key] ?? 0))]).filter(([, value]) => (value as number) > 0));
  const redisByCommand = diff(after.redis, before.redis);
  const sqsByOperation = diff(after.sqs, before.sqs);
  const sum = (values: Record<string, number>) => Math.round(Object.values(values).reduce((a, b) => a + b, 0) * 100) / 100;
  return {
    phase,
    orders,
    pgStatements: Math.round(pgByStatement.reduce((total, s) => total + s.callsPerOrder, 0) * 100) / 100,
    pgByStatement,
    walBytes: per(after.wal.bytes - before.wal.bytes),
    walRecords: per(after.wal.records - before.wal.records),
    walFullPageImages: per(after.wal.fpi - before.wal.fpi),
    redisCommands: sum(redisByCommand),
    redisByCommand,
    sqsCalls: sum(sqsByOperation),
    sqsByOperation,
    logLines: Object.fromEntries(Object.entries(after.logs).map(([app, l]) => [app, per(l.lines - (before.logs[app]?.lines ?? 0))])),
    logBytes: Object.fromEntries(Object.entries(after.logs).map(([app, l]) => [app, per(l.bytes - (before.logs[app]?.bytes ?? 0))])),
    tables: Object.fromEntries(
      Object.entries(after.tables).map(([name, t]) => {
        const was = before.tables[name] ?? { inserts: 0, updates: 0, hotUpdates: 0 };
        return [name, { inserts: per(t.inserts - was.inserts), updates: per(t.updates - was.updates), hotUpdates: per(t.hotUpdates - was.hotUpdates), indexes: t.indexes }];
      }),
    ),
  };
}

/** The report as Markdown, for docs/benchmarks.md. */
export function costMarkdown(reports: CostReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`### ${r.phase === 'rest' ? 'REST' : 'SQS'} path, per committed order (${r.orders} orders)`, '');
    lines.push('| measure | per order |', '|---|---:|');
    lines.push(`| PostgreSQL statements (round trips) | ${r.pgStatements} |`);
    lines.push(`| WAL bytes | ${r.walBytes} |`, `| WAL records | ${r.walRecords} |`, `| WAL full-page images | ${r.walFullPageImages} |`);
    lines.push(`| Redis commands (round trips) | ${r.redisCommands} (${fmt(r.redisByCommand)}) |`);
    lines.push(`| SQS calls | ${r.sqsCalls} (${fmt(r.sqsByOperation)}) |`);
    lines.push(`| log lines | ${fmt(r.logLines)} |`, `| log bytes | ${fmt(r.logBytes)} |`);
    for (const [table, t] of Object.entries(r.tables)) {
      if (t.inserts + t.updates === 0) continue;
      lines.push(`| ${table}: inserts / updates (HOT) / indexes | ${t.inserts} / ${t.updates} (${t.hotUpdates}) / ${t.indexes} |`);
    }
    lines.push('', '| statement | calls per order | WAL bytes per order |', '|---|---:|---:|');
    for (const s of r.pgByStatement) lines.push(`| \`${s.query.slice(0, 110).replace(/\|/g, '\\|')}\` | ${s.callsPerOrder} | ${s.walBytesPerOrder} |`);
    lines.push('');
  }
  return lines.join('\n');
}

function fmt(values: Record<string, number>): string {
  return Object.entries(values).map(([key, value]) => `${key} ${value}`).join(', ') || '-';
}

function oneLine(query: string): string {
  return query.replace(/\s+/g, ' ').trim();
}

async function waitUntil(pool: Pool, sql: string, expected: number, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(sql);
    if (rows[0].n <= expected) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${sql} (at ${rows[0].n})`);
    await sleep(200);
  }
}

async function retry<T>(work: () => Promise<T>, attempts = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (error) {
      if (i >= attempts) throw error;
      await sleep(200);
    }
  }
}
