/**
 * Evidence for docs/reporting.md, not part of `npm test` (it takes minutes): seeds 1,000,000
 * orders into a throwaway stack, runs EXPLAIN (ANALYZE, BUFFERS) on the replica for the exact SQL
 * of every report, times each report over HTTP, and times a full-year export. Run it with
 *
 *   npx jest --testMatch '**' --testTimeout 3600000 test/reporting/explain-reports.ts
 *
 * ORDERS=200000 makes a quicker run; the plans and timings go to stdout and to EXPLAIN_OUT
 * (default /tmp/orderflow-explain.md).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntityManager } from 'typeorm';
import { createDataSource } from '@orderflow/persistence/data-source';
import { DateRange, dateRange } from '@orderflow/reporting/report-params';
import { orderExportQuery } from '@orderflow/reporting/order-export.repository';
import { ReportsRepository } from '@orderflow/reporting/reports.repository';
import { startTestStack, TestStack } from '../support/test-stack';
import { httpClient } from '../support/http-client';
import { buildExporter, reportingReplicaUrl, seedOrders, startReportingInstance } from './reporting-support';

const ORDERS = Number(process.env.ORDERS ?? 1_000_000);
const YEAR = { from: '2025-11-24', to: '2026-11-23' };
const MONTH = { from: '2026-10-01', to: '2026-10-31' };
const DAY = { from: '2026-10-15', to: '2026-10-15' };
const RUNS = 5;
/** One of the seeded customers (ORDERS / 10 of them, ten orders each). */
const CUSTOMER = `xc${Math.floor(ORDERS / 20)}`;

describe('report plans and timings', () => {
  let stack: TestStack;
  const out: string[] = [];
  const log = (text = '') => {
    out.push(text);
    process.stdout.write(`${text}\n`);
  };

  afterAll(async () => {
    writeFileSync(process.env.EXPLAIN_OUT ?? '/tmp/orderflow-explain.md', `${out.join('\n')}\n`);
    await stack?.stop();
  });

  it(`explains and times every report on ${ORDERS} orders`, async () => {
    stack = await startTestStack();
    let started = Date.now();
    await seedOrders(stack.env.DATABASE_URL, { prefix: 'x', orders: ORDERS, customers: ORDERS / 10, start: `${YEAR.from}T00:00:00Z`, days: 365 });
    // The steady state of a live table: autovacuum has set the visibility map that index-only scans
    // rely on. A VACUUM running beside autovacuum's own ANALYZE may leave pages unmarked: repeat.
    for (const table of ['orders', 'order_items']) {
      for (let attempt = 1; ; attempt++) {
        await stack.db.query(`VACUUM ANALYZE ${table}`);
        const [{ visible }] = await stack.db.query(`SELECT relallvisible >= relpages AS visible FROM pg_class WHERE relname = $1`, [table]);
        if (visible || attempt === 20) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    await stack.postgres.waitForReplicaCatchUp(300_000);
    const [{ orders, items }] = await stack.db.query(`SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM order_items)::int AS items`);
    log(`# ${orders} orders, ${items} items (seeded and vacuumed in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
    log(`PostgreSQL: ${(await stack.db.query('SELECT version()'))[0].version}`);

    const replica = await createDataSource({ url: reportingReplicaUrl(stack), poolSize: 1, applicationName: 'orderflow-explain' }).initialize();
    const [setting] = await replica.query(`SELECT current_user AS role, current_setting('random_page_cost') AS random_page_cost`);
    log(`Plans on the replica as ${setting.role} (random_page_cost ${setting.random_page_cost})`);
    log(`Visibility: ${JSON.stringify(await replica.query(`SELECT relname, relpages, relallvisible FROM pg_class WHERE relname IN ('orders', 'order_items')`))}`);
    const range = (r: { from: string; to: string }): DateRange => dateRange(r.from, r.to, 3660, [])!;
    const repository = new ReportsRepository();
    const reports: Array<{ name: string; path: string; run: (m: EntityManager) => Promise<unknown> }> = [
      { name: 'sales, a year by day', path: `/v1/reports/sales?from=${YEAR.from}&to=${YEAR.to}&granularity=day`, run: (m) => repository.sales(m, { range: range(YEAR), granularity: 'day', currency: null }) },
      { name: 'sales, a year by week', path: `/v1/reports/sales?from=${YEAR.from}&to=${YEAR.to}&granularity=week`, run: (m) => repository.sales(m, { range: range(YEAR), granularity: 'week', currency: null }) },
      { name: 'sales, a year by month, USD', path: `/v1/reports/sales?from=${YEAR.from}&to=${YEAR.to}&granularity=month&currency=USD`, run: (m) => repository.sales(m, { range: range(YEAR), granularity: 'month', currency: 'USD' }) },
      { name: 'sales, one day', path: `/v1/reports/sales?from=${DAY.from}&to=${DAY.to}`, run: (m) => repository.sales(m, { range: range(DAY), granularity: 'day', currency: null }) },
      { name: 'orders by status, a year', path: `/v1/reports/orders-by-status?from=${YEAR.from}&to=${YEAR.to}`, run: (m) => repository.ordersByStatus(m, range(YEAR)) },
      { name: 'orders by status, a month', path: `/v1/reports/orders-by-status?from=${MONTH.from}&to=${MONTH.to}`, run: (m) => repository.ordersByStatus(m, range(MONTH)) },
      { name: 'top SKUs, a year', path: `/v1/reports/top-skus?from=${YEAR.from}&to=${YEAR.to}&limit=10`, run: (m) => repository.topSkus(m, { range: range(YEAR), limit: 10, currency: null }) },
      { name: 'top SKUs, a month', path: `/v1/reports/top-skus?from=${MONTH.from}&to=${MONTH.to}&limit=10`, run: (m) => repository.topSkus(m, { range: range(MONTH), limit: 10, currency: null }) },
      { name: 'top SKUs, one day', path: `/v1/reports/top-skus?from=${DAY.from}&to=${DAY.to}&limit=10`, run: (m) => repository.topSkus(m, { range: range(DAY), limit: 10, currency: null }) },
      { name: 'customer summary', path: `/v1/reports/customers/${CUSTOMER}/summary`, run: (m) => repository.customerSummary(m, CUSTOMER) },
    ];

    // The repository's own SQL, with EXPLAIN in front: a manager whose query runner captures the plan.
    const fullScans: string[] = [];
    for (const report of reports) {
      let plan = '';
      const explaining = {
        queryRunner: {
          query: async (text: string, params: unknown[]) => {
            const rows: Array<{ 'QUERY PLAN': string }> = await replica.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
            plan = rows.map((r) => r['QUERY PLAN']).join('\n');
            return { records: [] };
          },
        },
      } as unknown as EntityManager;
      await report.run(explaining); // warm the cache once
      await report.run(explaining);
      if (/Seq Scan on orders/.test(plan)) fullScans.push(report.name);
      log(`\n## ${report.name}\n\`GET ${report.path}\`\n\n\`\`\`\n${plan}\n\`\`\``);
    }
    log(`\nSequential scans of orders: ${fullScans.length ? fullScans.join(', ') : 'none'}`);
    // The export's statement, as the exporter's cursor runs it (a portal planned for all its rows).
    const exportQuery = orderExportQuery(range(YEAR));
    const exportPlan: Array<{ 'QUERY PLAN': string }> = await replica.query(`EXPLAIN ${exportQuery.text}`, exportQuery.values);
    log(`\n## Export statement, a year\n\n\`\`\`\n${exportPlan.map((r) => r['QUERY PLAN']).join('\n')}\n\`\`\``);

    await replica.destroy();

    const reportsKey = await stack.createKey(['reports:read']);
    await stack.postgres.waitForReplicaCatchUp();
    const reporting = await startReportingInstance(stack);
    try {
      const request = httpClient(reporting.url, reportsKey);
      log(`\n## Report timings over HTTP (reporting app, ${RUNS} runs after one warm-up)\n`);
      log('| report | median ms | max ms |');
      log('|---|---|---|');
      for (const report of reports) {
        expect((await request('GET', report.path)).status).toBe(200);
        const times: number[] = [];
        for (let n = 0; n < RUNS; n++) {
          const t0 = performance.now();
          const result = await request('GET', report.path);
          times.push(performance.now() - t0);
          expect(result.status).toBe(200);
        }
        times.sort((a, b) => a - b);
        log(`| ${report.name} | ${times[Math.floor(RUNS / 2)].toFixed(1)} | ${times[RUNS - 1].toFixed(1)} |`);
      }
    } finally {
      await reporting.close();
    }

    const exporter = buildExporter();
    const dir = mkdtempSync(join(tmpdir(), 'orderflow-explain-'));
    try {
      log(`\n## Export of the whole year (${orders} orders)\n`);
      for (const format of ['csv', 'jsonl']) {
        started = Date.now();
        const run = spawnSync(process.execPath, [exporter, '--from', YEAR.from, '--to', YEAR.to, '--format', format, '--out', join(dir, `year.${format}`)], {
          env: { PATH: process.env.PATH, DATABASE_REPLICA_URL: reportingReplicaUrl(stack) },
          encoding: 'utf8',
        });
        expect(run.status).toBe(0);
        log(`- ${format}: ${run.stdout.trim()}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
