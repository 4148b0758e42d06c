import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { startTestStack, TestStack } from '../support/test-stack';
import { ApiInstance, startApiInstance } from '../support/api-instance';
import { HttpRequest, httpClient } from '../support/http-client';
import { ReportingInstance, reportingReplicaUrl, startReportingInstance } from './reporting-support';
import { expectProblem } from '../support/problems';

const DAY_MS = 86_400_000;
const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);

interface PrimaryOrder {
  id: string;
  customer_id: string;
  status: string;
  rejection_reason: string | null;
  currency: string;
  total_cents: string;
  created_at: Date;
}

describe('reports on the read replica', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let reporting: ReportingInstance;
  let writer: HttpRequest;
  let admin: HttpRequest;
  let reports: HttpRequest;
  const run = randomUUID().slice(0, 8);
  const customers = { eur: `eur-${run}`, limited: `limited-${run}`, usd: `usd-${run}` };

  beforeAll(async () => {
    stack = await startTestStack();
    api = await startApiInstance(stack.config());
    writer = httpClient(api.url, await stack.createKey(['orders:write', 'orders:read']));
    admin = httpClient(api.url, await stack.createKey(['admin']));
    const reportsKey = await stack.createKey(['reports:read']);
    await stack.postgres.waitForReplicaCatchUp(); // the reporting app reads its API keys from the replica
    reporting = await startReportingInstance(stack);
    reports = httpClient(reporting.url, reportsKey);
    await placeOrders();
    await stack.postgres.waitForReplicaCatchUp();
  });

  afterAll(async () => {
    await reporting?.close();
    await api?.close();
    await stack?.stop();
  });

  /** Confirmed, cancelled and every kind of rejected order, in two currencies. */
  async function placeOrders() {
    const place = async (customerId: string, items: Array<[string, number, number]>, currency = 'EUR') => {
      const result = await writer('POST', '/v1/orders', {
        customerId,
        clientOrderId: `o-${randomUUID()}`,
        currency,
        items: items.map(([sku, quantity, unitPriceCents]) => ({ sku, quantity, unitPriceCents })),
      });
      expect(result.status).toBe(201);
      return result.body;
    };
    expect((await admin('PUT', `/v1/customers/${customers.limited}`, { currency: 'EUR', creditLimitCents: 5000 })).status).toBe(201);
    expect((await admin('PUT', `/v1/inventory/SKU-SCARCE-${run}`, { available: 1 })).status).toBe(201);

    await place(customers.eur, [['SKU-A', 2, 1250], ['SKU-B', 1, 99]]);
    await place(customers.eur, [['SKU-A', 5, 1250]]);
    const cancelled = await place(customers.eur, [['SKU-C', 1, 700], ['SKU-A', 1, 1250]]);
    expect((await writer('POST', `/v1/orders/${cancelled.id}/cancel`)).status).toBe(200);
    expect((await place(customers.eur, [['SKU-A', 1, 100]], 'USD')).rejectionReason).toBe('CURRENCY_MISMATCH');
    expect((await place(customers.eur, [[`SKU-SCARCE-${run}`, 2, 100]])).rejectionReason).toBe('INSUFFICIENT_STOCK');
    await place(customers.limited, [['SKU-B', 10, 400]]);
    expect((await place(customers.limited, [['SKU-B', 10, 400]])).rejectionReason).toBe('CREDIT_LIMIT_EXCEEDED');
    await place(customers.usd, [['SKU-D', 3, 2000]], 'USD');
    await place(customers.usd, [['SKU-A', 1, 1250], ['SKU-D', 1, 2000]], 'USD');
  }

  const primaryOrders = async (): Promise<PrimaryOrder[]> =>
    stack.db.query(`SELECT id, customer_id, status, rejection_reason, currency, total_cents, created_at FROM orders`);

  it('reports sales per day and currency with totals that match sums computed on the primary', async () => {
    const from = day(-1);
    const to = day(1);
    const result = await reports('GET', `/v1/reports/sales?from=${from}&to=${to}&granularity=day`);
    expect(result.status).toBe(200);

    const expected = new Map<string, Record<string, number | string>>();
    for (const o of await primaryOrders()) {
      const key = `${o.created_at.toISOString().slice(0, 10)}|${o.currency}`;
      const row = expected.get(key) ?? { periodStart: key.slice(0, 10), currency: o.currency, orders: 0, confirmed: 0, rejected: 0, cancelled: 0, grossTotalCents: 0, cancelledTotalCents: 0, netTotalCents: 0 };
      const total = Number(o.total_cents);
      row.orders = (row.orders as number) + 1;
      const status = o.status.toLowerCase() as 'confirmed' | 'rejected' | 'cancelled';
      row[status] = (row[status] as number) + 1;
      if (o.status !== 'REJECTED') row.grossTotalCents = (row.grossTotalCents as number) + total;
      if (o.status === 'CANCELLED') row.cancelledTotalCents = (row.cancelledTotalCents as number) + total;
      if (o.status === 'CONFIRMED') row.netTotalCents = (row.netTotalCents as number) + total;
      expected.set(key, row);
    }
    const sorted = [...expected.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, row]) => row);
    expect(result.body.rows).toEqual(sorted);
    expect(result.body).toMatchObject({ from, to, granularity: 'day', currency: null });
    // 5 + 2 + 2 orders placed, of which 3 rejected and 1 cancelled.
    const sum = (field: string) => result.body.rows.reduce((n: number, r: any) => n + r[field], 0);
    expect(sum('orders')).toBe(9);
    expect(sum('rejected')).toBe(3);
    expect(sum('cancelled')).toBe(1);
  });

  it('aggregates by week and by month, and filters by currency, with the same totals', async () => {
    const from = day(-40);
    const to = day(40);
    const all = await reports('GET', `/v1/reports/sales?from=${from}&to=${to}&granularity=day`);
    for (const granularity of ['week', 'month']) {
      const result = await reports('GET', `/v1/reports/sales?from=${from}&to=${to}&granularity=${granularity}`);
      expect(result.status).toBe(200);
      for (const field of ['orders', 'confirmed', 'grossTotalCents', 'netTotalCents']) {
        const total = (rows: any[]) => rows.reduce((n, r) => n + r[field], 0);
        expect(total(result.body.rows)).toBe(total(all.body.rows));
      }
    }
    const usd = await reports('GET', `/v1/reports/sales?from=${from}&to=${to}&granularity=month&currency=USD`);
    expect(usd.body.rows.every((r: any) => r.currency === 'USD')).toBe(true);
    const [{ net }] = await stack.db.query(`SELECT sum(total_cents) FILTER (WHERE status = 'CONFIRMED')::int AS net FROM orders WHERE currency = 'USD'`);
    expect(usd.body.rows.reduce((n: number, r: any) => n + r.netTotalCents, 0)).toBe(net);
  });

  it('counts orders by status and rejection reason', async () => {
    const result = await reports('GET', `/v1/reports/orders-by-status?from=${day(-1)}&to=${day(1)}`);
    expect(result.status).toBe(200);
    const orders = await primaryOrders();
    const count = (status: string, reason?: string) =>
      orders.filter((o) => o.status === status && (reason === undefined || o.rejection_reason === reason)).length;
    expect(result.body.total).toBe(orders.length);
    expect(result.body.statuses).toEqual([
      { status: 'CONFIRMED', orders: count('CONFIRMED') },
      {
        status: 'REJECTED',
        orders: count('REJECTED'),
        byReason: {
          CURRENCY_MISMATCH: count('REJECTED', 'CURRENCY_MISMATCH'),
          CREDIT_LIMIT_EXCEEDED: count('REJECTED', 'CREDIT_LIMIT_EXCEEDED'),
          INSUFFICIENT_STOCK: count('REJECTED', 'INSUFFICIENT_STOCK'),
        },
      },
      { status: 'CANCELLED', orders: count('CANCELLED') },
    ]);
  });

  it('ranks SKUs of confirmed orders by quantity and, within each currency, by revenue', async () => {
    const result = await reports('GET', `/v1/reports/top-skus?from=${day(-1)}&to=${day(1)}&limit=2`);
    expect(result.status).toBe(200);
    const sold: Array<{ sku: string; currency: string; quantity: number; revenue: number }> = await stack.db.query(`
      SELECT i.sku, o.currency, sum(i.quantity)::int AS quantity, sum(i.quantity * i.unit_price_cents)::int AS revenue
      FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status = 'CONFIRMED' GROUP BY 1, 2`);
    const quantityBySku = new Map<string, number>();
    for (const s of sold) quantityBySku.set(s.sku, (quantityBySku.get(s.sku) ?? 0) + s.quantity);
    const byQuantity = [...quantityBySku].map(([sku, quantity]) => ({ sku, quantity })).sort((a, b) => b.quantity - a.quantity || a.sku.localeCompare(b.sku));
    expect(result.body.byQuantity).toEqual(byQuantity.slice(0, 2));
    // SKU-B: 1 + 10; SKU-A: 2 + 5 + 1 (the cancelled order's 1 does not count).
    expect(result.body.byQuantity).toEqual([{ sku: 'SKU-B', quantity: 11 }, { sku: 'SKU-A', quantity: 8 }]);
    for (const currency of ['EUR', 'USD']) {
      const expected = sold
        .filter((s) => s.currency === currency)
        .sort((a, b) => b.revenue - a.revenue || a.sku.localeCompare(b.sku))
        .slice(0, 2)
        .map((s) => ({ sku: s.sku, currency, revenueCents: s.revenue, quantity: s.quantity }));
      expect(result.body.byRevenue.filter((r: any) => r.currency === currency)).toEqual(expected);
    }
  });

  it("summarises a customer's orders, open balance and first and last order", async () => {
    const result = await reports('GET', `/v1/reports/customers/${customers.eur}/summary`);
    expect(result.status).toBe(200);
    const mine = (await primaryOrders()).filter((o) => o.customer_id === customers.eur);
    const [account] = await stack.db.query(`SELECT open_balance_cents::int AS balance FROM customers WHERE id = $1`, [customers.eur]);
    const [first, last]: Array<{ id: string; order_number: number }> = await stack.db.query(
      `(SELECT id, order_number FROM orders WHERE customer_id = $1 ORDER BY order_number LIMIT 1)
       UNION ALL (SELECT id, order_number FROM orders WHERE customer_id = $1 ORDER BY order_number DESC LIMIT 1)`,
      [customers.eur],
    );
    expect(result.body).toMatchObject({
      customerId: customers.eur,
      currency: 'EUR',
      creditLimitCents: null,
      openBalanceCents: account.balance,
      orders: { total: mine.length, confirmed: 2, rejected: 2, cancelled: 1 },
      firstOrder: { id: first.id, orderNumber: 1, status: 'CONFIRMED', totalCents: 2599 },
      lastOrder: { id: last.id, orderNumber: last.order_number, status: 'REJECTED' },
    });
    expect(result.body.openBalanceCents).toBe(2 * 1250 + 99 + 5 * 1250);
    expect(result.body.firstOrder.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    expectProblem(await reports('GET', `/v1/reports/customers/nobody-${run}/summary`), 404, 'not-found');
  });

  it('stamps every report with the replica position (asOf) and its lag', async () => {
    const paths = [
      `/v1/reports/sales?from=${day(0)}&to=${day(0)}`,
      `/v1/reports/orders-by-status?from=${day(0)}&to=${day(0)}`,
      `/v1/reports/top-skus?from=${day(0)}&to=${day(0)}`,
      `/v1/reports/customers/${customers.usd}/summary`,
    ];
    const [{ committed }] = await stack.db.query(`SELECT max(updated_at) AS committed FROM orders`);
    for (const path of paths) {
      const result = await reports('GET', path);
      expect(result.status).toBe(200);
      expect(result.body.replicaLagSeconds).toEqual(expect.any(Number));
      // asOf is a commit time replayed from the primary, at or after the last order's.
      expect(new Date(result.body.asOf).getTime()).toBeGreaterThanOrEqual(new Date(committed).getTime());
    }
  });

  it('answers bad ranges and parameters with 400 problem+json', async () => {
    const bad = [
      `/v1/reports/sales?from=2026-03-02&to=2026-03-01`, // from after to
      `/v1/reports/sales?from=2025-01-01&to=2026-01-02&granularity=day`, // 367 days
      `/v1/reports/sales?from=2026-02-30&to=2026-03-01`, // no such date
      `/v1/reports/sales?from=2026-1-1&to=2026-03-01`,
      `/v1/reports/sales?to=2026-03-01`,
      `/v1/reports/sales?from=2026-01-01&to=2026-03-01&granularity=year`,
      `/v1/reports/sales?from=2026-01-01&to=2026-03-01&currency=EURO`,
      `/v1/reports/sales?from=2026-01-01&to=2026-03-01&curency=EUR`,
      `/v1/reports/orders-by-status?from=2026-01-01&to=2026-01-01&from=2026-01-02`,
      `/v1/reports/top-skus?from=2026-01-01&to=2026-03-01&limit=0`,
      `/v1/reports/top-skus?from=2026-01-01&to=2026-03-01&limit=101`,
      `/v1/reports/customers/${encodeURIComponent('a b')}/summary`,
    ];
    for (const path of bad) expectProblem(await reports('GET', path), 400, 'validation-error');
    // A year of days is fine; more than a year is fine by week or month.
    expect((await reports('GET', `/v1/reports/sales?from=2025-01-01&to=2026-01-01&granularity=day`)).status).toBe(200);
    expect((await reports('GET', `/v1/reports/sales?from=2020-01-01&to=2026-01-01&granularity=month`)).status).toBe(200);
  });

  it('needs an API key with the reports:read scope', async () => {
    expectProblem(await httpClient(reporting.url)('GET', `/v1/reports/sales?from=${day(0)}&to=${day(0)}`), 401, 'unauthorized');
    const ordersOnlyKey = await stack.createKey(['orders:read']);
    await stack.postgres.waitForReplicaCatchUp();
    expectProblem(await httpClient(reporting.url, ordersOnlyKey)('GET', `/v1/reports/sales?from=${day(0)}&to=${day(0)}`), 403, 'forbidden');
  });

  it('never opens a connection to the primary, only to the replica', async () => {
    await reports('GET', `/v1/reports/sales?from=${day(0)}&to=${day(0)}`);
    await httpClient(reporting.url)('GET', '/health/ready');
    const sessions = async (url: string) =>
      withClient(url, async (c) => {
        const { rows } = await c.query(
          `SELECT usename, application_name FROM pg_stat_activity WHERE usename = 'orderflow_reporting' OR application_name = 'orderflow-reporting'`,
        );
        return rows;
      });
    const onReplica = await sessions(stack.env.DATABASE_REPLICA_URL);
    expect(onReplica.length).toBeGreaterThan(0);
    expect(onReplica.every((s: any) => s.usename === 'orderflow_reporting')).toBe(true);
    expect(await sessions(stack.env.DATABASE_URL)).toEqual([]);
  });

  it('connects as a role that cannot write, on the primary or on the replica', async () => {
    const asReportingOnPrimary = new URL(reportingReplicaUrl(stack));
    asReportingOnPrimary.port = String(stack.postgres.primaryPort);
    const writes = [
      `INSERT INTO inventory (sku, available) VALUES ('HACK', 1)`,
      `UPDATE customers SET open_balance_cents = 0`,
      `DELETE FROM api_keys`,
      `CREATE TABLE reporting_scratch (id int)`,
    ];
    for (const url of [asReportingOnPrimary.toString(), reportingReplicaUrl(stack)]) {
      await withClient(url, async (client) => {
        expect((await client.query(`SELECT current_user AS who`)).rows[0].who).toBe('orderflow_reporting');
        expect((await client.query(`SELECT count(*)::int AS n FROM orders`)).rows[0].n).toBeGreaterThan(0);
        for (const sql of writes) {
          // Even with the read-only default lifted, the role has no privilege to write.
          await client.query('SET default_transaction_read_only = off');
          await expect(client.query(sql)).rejects.toMatchObject({ code: expect.stringMatching(/^(42501|25006)$/) });
        }
      });
    }
    // On the primary it is the missing privilege (42501) that stops it, not only read-only mode.
    await withClient(asReportingOnPrimary.toString(), async (client) => {
      await client.query('SET default_transaction_read_only = off');
      await expect(client.query(writes[0])).rejects.toMatchObject({ code: '42501' });
    });
  });
});

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

