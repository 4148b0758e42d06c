import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { loadConfig } from '@orderflow/config/app-config';
import { asReportingRole } from '@orderflow/reporting/reporting-role';
import { createReportingApp } from '../../apps/reporting/src/reporting-app';
import { TestStack } from '../support/test-stack';

const ROOT = resolve(__dirname, '../..');

export interface ReportingInstance {
  url: string;
  app: NestFastifyApplication;
  close(): Promise<void>;
}

/** The replica as the SELECT-only reporting role, as npm start and production configure it. */
export function reportingReplicaUrl(stack: TestStack): string {
  return asReportingRole(stack.env.DATABASE_REPLICA_URL);
}

/**
 * A reporting app in this process, configured like production: DATABASE_REPLICA_URL (as the
 * reporting role) and PORT only, so it does not even know where the primary is.
 */
export async function startReportingInstance(stack: TestStack, env: Record<string, string> = {}): Promise<ReportingInstance> {
  const config = loadConfig(['DATABASE_REPLICA_URL', 'PORT'], {
    DATABASE_REPLICA_URL: reportingReplicaUrl(stack),
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: '2',
    ...env,
  });
  const app = await createReportingApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, app, close: () => app.close() };
}

export interface SeedOptions {
  /** Distinguishes the ids of several seeds in one database. */
  prefix: string;
  orders: number;
  customers: number;
  /** Orders are spread evenly from `start` over `days` days. */
  start: string;
  days: number;
  /** Order i has 1 + i % maxLines items (default 3: two on average). */
  maxLines?: number;
}

/**
 * Inserts orders (1 to 3 items each by default, a tenth REJECTED, a twentieth CANCELLED, EUR and USD
 * customers) straight into the primary with generate_series: 200,000 orders take seconds, where
 * the API would take minutes. Customers' balances and order numbers are kept consistent.
 */
export async function seedOrders(primaryUrl: string, o: SeedOptions): Promise<void> {
  // A connection of its own: the data source's 15 s query timeout is for requests, not for bulk loads.
  const client = new Client({ connectionString: primaryUrl });
  await client.connect();
  try {
    await insertOrders(client, o);
  } finally {
    await client.end();
  }
}

async function insertOrders(db: Client, o: SeedOptions): Promise<void> {
  const p = [o.prefix, o.orders, o.customers, o.start, o.days];
  // An item of order i, line l: the same formulas for the items and for the order's total.
  const sku = `'SKU-' || lpad(((i * 7 + l * 131) % 500)::text, 4, '0')`;
  const quantity = `(1 + (i + l) % 4)`;
  const price = `(100 + (i * 31 + l * 17) % 9900)::bigint`;
  const lines = `generate_series(1, 1 + (i % ${Math.trunc(o.maxLines ?? 3)})::int) l`;
  await db.query(
    `INSERT INTO customers (id, currency)
     SELECT $1 || 'c' || c, CASE WHEN c % 4 = 0 THEN 'USD' ELSE 'EUR' END
     FROM generate_series(0, $2::int - 1) c`,
    [o.prefix, o.customers],
  );
  await db.query(
    `INSERT INTO orders (id, customer_id, client_order_id, order_number, status, rejection_reason, currency, total_cents,
                         shipping_address, metadata, source, request_hash, created_at, updated_at)
     SELECT md5($1 || i)::uuid, $1 || 'c' || (i % $3), $1 || 'o' || i, i / $3 + 1,
            CASE WHEN i % 10 = 3 THEN 'REJECTED' WHEN i % 20 = 7 THEN 'CANCELLED' ELSE 'CONFIRMED' END,
            CASE WHEN i % 10 = 3 THEN 'CREDIT_LIMIT_EXCEEDED' END,
            CASE WHEN (i % $3) % 4 = 0 THEN 'USD' ELSE 'EUR' END,
            (SELECT sum(${quantity} * ${price}) FROM ${lines}),
            jsonb_build_object('line1', (i % 997) || ' Main St', 'city', 'Lyon', 'country', 'FR'),
            CASE WHEN i % 3 = 0 THEN jsonb_build_object('channel', 'web', 'n', i) END,
            CASE WHEN i % 2 = 0 THEN 'http' ELSE 'sqs' END,
            repeat('0', 64),
            t.created_at,
            t.created_at + CASE WHEN i % 20 = 7 THEN interval '1 hour' ELSE interval '0' END
     FROM generate_series(0, $2::int - 1) i
     CROSS JOIN LATERAL (
       SELECT date_trunc('milliseconds', $4::timestamptz + (i::float8 * $5 * 86400 / $2) * interval '1 second') AS created_at) t`,
    p,
  );
  await db.query(
    `INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents)
     SELECT md5($1 || i)::uuid, l, ${sku}, ${quantity}, ${price}
     FROM generate_series(0, $2::int - 1) i CROSS JOIN LATERAL ${lines}`,
    [o.prefix, o.orders],
  );
  await db.query(
    `UPDATE customers c SET last_order_number = s.orders, open_balance_cents = s.confirmed
     FROM (SELECT customer_id, count(*) AS orders, coalesce(sum(total_cents) FILTER (WHERE status = 'CONFIRMED'), 0) AS confirmed
           FROM orders WHERE customer_id LIKE $1 || 'c%' GROUP BY customer_id) s
     WHERE c.id = s.customer_id`,
    [o.prefix],
  );
  await db.query(`ANALYZE orders, order_items, customers`);
}

let exporterScript: string | undefined;

/**
 * The real export program, to run in a child process: dist/bin/report-export.js when `npm run build`
 * is newer than every source file (CI builds before testing), otherwise bin/report-export.ts and what
 * it imports compiled into node_modules/.cache (tsc without type checking: `npm test` has
 * type-checked already). Returns the script's path.
 */
export function buildExporter(): string {
  if (exporterScript) return exporterScript;
  const built = join(ROOT, 'dist/bin/report-export.js');
  if (existsSync(built) && statSync(built).mtimeMs > newestSource(['bin', 'libs', 'tools'].map((dir) => join(ROOT, dir)))) {
    exporterScript = built;
    return built;
  }
  const outDir = join(ROOT, 'node_modules/.cache/orderflow-report-export');
  mkdirSync(outDir, { recursive: true });
  const tsconfig = join(outDir, 'tsconfig.json');
  // Relative paths: tsc-alias joins an absolute outDir onto the config's directory.
  const root = relative(outDir, ROOT);
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, 'tsconfig.build.json'),
      compilerOptions: { outDir: '.', rootDir: root, baseUrl: root, sourceMap: false },
      files: [join(root, 'bin/report-export.ts')],
      include: [],
    }),
  );
  const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);
  execFileSync(bin('tsc'), ['-p', tsconfig, '--noCheck'], { cwd: ROOT, stdio: 'pipe' });
  execFileSync(bin('tsc-alias'), ['-p', tsconfig], { cwd: ROOT, stdio: 'pipe' });
  exporterScript = join(outDir, 'bin/report-export.js');
  return exporterScript;
}

function newestSource(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs) {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
      }
    }
  }
  return newest;
}
