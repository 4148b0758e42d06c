import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { checkInvariants } from '@orderflow/harness/invariants';
import { startTestStack, TestStack } from '../support/test-stack';

/** The harness's checker must see each kind of violation, or a green chaos run would prove nothing. */
describe('invariant checker of the benchmark and chaos harness', () => {
  let stack: TestStack;
  let pool: Pool;

  beforeAll(async () => {
    stack = await startTestStack();
    pool = new Pool({ connectionString: stack.env.DATABASE_URL, max: 2 });
    // An idle client losing its server (the stack stopping) must not crash the suite.
    pool.on('error', () => undefined);
  });
  afterAll(async () => {
    await pool?.end();
    await stack?.stop();
  });

  async function customer(id: string, creditLimitCents: number | null, openBalanceCents: number, lastOrderNumber: number) {
    await pool.query(`INSERT INTO customers (id, currency, credit_limit_cents, open_balance_cents, last_order_number) VALUES ($1, 'EUR', $2, $3, $4)`, [
      id,
      creditLimitCents,
      openBalanceCents,
      lastOrderNumber,
    ]);
  }

  async function order(customerId: string, clientOrderId: string, orderNumber: number, status: string, totalCents: number, opts: { sku?: string; event?: boolean } = {}) {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO orders (id, customer_id, client_order_id, order_number, status, rejection_reason, currency, total_cents, source, request_hash)
       VALUES ($1, $2, $3, $4, $5, $6, 'EUR', $7, 'sqs', repeat('0', 64))`,
      [id, customerId, clientOrderId, orderNumber, status, status === 'REJECTED' ? 'CREDIT_LIMIT_EXCEEDED' : null, totalCents],
    );
    await pool.query(`INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents) VALUES ($1, 1, $2, 2, $3)`, [id, opts.sku ?? 'other', totalCents / 2]);
    if (opts.event !== false) {
      const type = status === 'CONFIRMED' ? 'order.confirmed' : 'order.rejected';
      await pool.query(`INSERT INTO outbox_events (event_id, customer_id, type, payload, published_at) VALUES ($1, $2, $3, $4, now())`, [
        randomUUID(),
        customerId,
        type,
        JSON.stringify({ order: { id, customerId, orderNumber } }),
      ]);
    }
  }

  it('reports nothing on a consistent run', async () => {
    await customer('ok-a', 1000, 300, 2);
    await order('ok-a', 'o1', 1, 'CONFIRMED', 300);
    await order('ok-a', 'o2', 2, 'REJECTED', 800);
    const report = await checkInvariants(pool, {
      customerPrefix: 'ok-',
      accepted: [
        { customerId: 'ok-a', clientOrderId: 'o1', channel: 'sqs', sendSeq: 1 },
        { customerId: 'ok-a', clientOrderId: 'o2', channel: 'sqs', sendSeq: 2 },
      ],
      initialStock: new Map(),
      requirePublished: true,
    });
    expect(report).toMatchObject({ ok: true, accepted: 2, processed: 2, lost: 0 });
  });

  it('counts lost orders, gaps, FIFO inversions, credit and stock violations and missing events', async () => {
    await pool.query(`INSERT INTO inventory (sku, available) VALUES ('bad-sku', 7)`);
    // bad-a: numbered 1, 3 (a gap); queue-sent o1 then o2 but o2 got the lower number; #3 has no event.
    await customer('bad-a', null, 200, 3);
    await order('bad-a', 'o2', 1, 'CONFIRMED', 100, { sku: 'bad-sku' });
    await order('bad-a', 'o1', 3, 'CONFIRMED', 100, { event: false });
    // bad-b: confirmed beyond its limit of 100.
    await customer('bad-b', 100, 150, 1);
    await order('bad-b', 'o1', 1, 'CONFIRMED', 150);

    const report = await checkInvariants(pool, {
      customerPrefix: 'bad-',
      accepted: [
        { customerId: 'bad-a', clientOrderId: 'o1', channel: 'sqs', sendSeq: 1 },
        { customerId: 'bad-a', clientOrderId: 'o2', channel: 'sqs', sendSeq: 2 },
        { customerId: 'bad-a', clientOrderId: 'never-stored', channel: 'rest' },
        { customerId: 'bad-b', clientOrderId: 'o1', channel: 'rest' },
      ],
      // 10 at the start, 2 confirmed: 8 expected, 7 found
      initialStock: new Map([['bad-sku', 10]]),
    });
    expect(report).toMatchObject({
      ok: false,
      accepted: 4,
      processed: 3,
      lost: 1,
      orderNumberGaps: 1,
      fifoViolations: 1,
      creditViolations: 1,
      stockViolations: 1,
      eventsMissing: 1,
      eventsOutOfOrder: 0,
    });
  });

  it('checks a stock record it was not told about only for going below zero, in any scope', async () => {
    // The schema refuses negative stock; the checker must still see it, should the schema change.
    await pool.query(`ALTER TABLE inventory DROP CONSTRAINT inventory_available_check`);
    await pool.query(`INSERT INTO inventory (sku, available) VALUES ('spare-sku', 3), ('negative-sku', -1)`);
    try {
      const report = await checkInvariants(pool, { customerPrefix: 'nobody-' });
      expect(report).toMatchObject({ ok: false, orders: 0, stockViolations: 1 });
      expect(report.examples).toEqual(['stock: negative-sku has -1, below zero']);
    } finally {
      await pool.query(`DELETE FROM inventory WHERE sku = 'negative-sku'`);
      await pool.query(`ALTER TABLE inventory ADD CONSTRAINT inventory_available_check CHECK (available >= 0)`);
    }
  });
});
