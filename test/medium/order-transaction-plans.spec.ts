import { randomUUID } from 'node:crypto';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { requestFingerprint } from '@orderflow/domain/request-fingerprint';
import { placeOrder } from '@orderflow/orders/placement';
import { InventoryRepository } from '@orderflow/persistence/inventory.repository';
import { pgManager } from '@orderflow/bench/raw-order-transaction';
import { mediumStack, MediumStack } from './medium-stack';

/**
 * How the order statements meet PostgreSQL in a session with ORDER_SESSION_OPTIONS (the apps'
 * primary pools, the raw lane, stack.connect()): planned once per connection (generic plans),
 * every stock row reached through the key even on a table that was never analysed, and
 * stock rows locked in SKU order by every path, so that a cancellation and a placement that share
 * SKUs never deadlock.
 */
describe('order statements', () => {
  let stack: MediumStack;
  const connect = () => stack.connect();
  const skuPrefix = `plan-${randomUUID().slice(0, 6)}`;
  const sku = (n: number) => `${skuPrefix}-${String(n).padStart(3, '0')}`;

  beforeAll(async () => {
    stack = await mediumStack();
    // Enough rows that a sequential scan differs from a look-up by key; no ANALYZE on purpose.
    await stack.db.query(`INSERT INTO inventory (sku, available) SELECT $1 || '-' || lpad(g::text, 3, '0'), 1000000 FROM generate_series(1, 200) g`, [
      skuPrefix,
    ]);
  });

  afterAll(async () => {
    await stack.close();
  });

  it('plans the placement once per connection and reaches stock by its key', async () => {
    const client = await connect();
    const customerId = `plan-${randomUUID().slice(0, 8)}`;
    for (let n = 1; n <= 8; n++) {
      const order: PlaceOrderCommand = {
        customerId,
        clientOrderId: `o-${n}`,
        currency: 'EUR',
        items: [
          { sku: sku(n), quantity: 1, unitPriceCents: 100 },
          { sku: sku(100 + n), quantity: 2, unitPriceCents: 250 },
        ],
      };
      // The placement's statements take no transaction of their own: this one only scopes the
      // statistics read below to them.
      await client.query('BEGIN');
      const { order: placed } = await placeOrder(pgManager(client), order, requestFingerprint(order), { source: 'http' }, String(n), null);
      expect(placed.status).toBe('CONFIRMED');
      const [scans] = (await client.query(`SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'inventory'`)).rows;
      expect(Number(scans.seq_scan)).toBe(0);
      await client.query('COMMIT');
    }
    const statements = (await client.query(`SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'of\\_%'`)).rows;
    expect(statements.length).toBeGreaterThanOrEqual(2);
    for (const statement of statements) {
      expect(Number(statement.custom_plans)).toBe(0);
      expect(Number(statement.generic_plans)).toBeGreaterThanOrEqual(8);
    }
    const stock = await stack.db.query(`SELECT sku, available FROM inventory WHERE sku IN ($1, $2)`, [sku(1), sku(101)]);
    expect(stock).toEqual(expect.arrayContaining([{ sku: sku(1), available: 999999 }, { sku: sku(101), available: 999998 }]));
  });

  it('locks stock in SKU order when placing, so it waits instead of deadlocking', async () => {
    // Stored in the opposite order of their SKUs: a scan in storage order meets `late` first.
    const [early, late] = [`${skuPrefix}-place-a`, `${skuPrefix}-place-b`];
    await stack.db.query(`INSERT INTO inventory (sku, available) VALUES ($1, 10), ($2, 10)`, [late, early]);
    const [holding, placing] = [await connect(), await connect()];
    await holding.query(`BEGIN; SET LOCAL deadlock_timeout = '100ms'`);
    await holding.query(`SELECT 1 FROM inventory WHERE sku = $1 FOR UPDATE`, [early]);

    const order: PlaceOrderCommand = {
      customerId: `plan-${randomUUID().slice(0, 8)}`,
      clientOrderId: 'both-skus',
      currency: 'EUR',
      items: [
        { sku: late, quantity: 1, unitPriceCents: 100 },
        { sku: early, quantity: 1, unitPriceCents: 100 },
      ],
    };
    const placed = placeOrder(pgManager(placing), order, requestFingerprint(order), { source: 'http' }, '1', null);
    await stack.waitsForLock(placing, 'the placement waits for the first SKU');
    // Had the placement locked `late` first, this would deadlock (and one of the two would fail).
    await holding.query(`SELECT 1 FROM inventory WHERE sku = $1 FOR UPDATE`, [late]);
    await holding.query('COMMIT');
    expect((await placed).order.status).toBe('CONFIRMED');
    const stock = await stack.db.query(`SELECT sku, available FROM inventory WHERE sku IN ($1, $2) ORDER BY sku`, [early, late]);
    expect(stock).toEqual([
      { sku: early, available: 9 },
      { sku: late, available: 9 },
    ]);
  });

  it('locks stock in SKU order when adjusting it, so it waits instead of deadlocking', async () => {
    // Stored in the opposite order of their SKUs: a scan in storage order meets `late` first.
    const [early, late] = [`${skuPrefix}-order-a`, `${skuPrefix}-order-b`];
    await stack.db.query(`INSERT INTO inventory (sku, available) VALUES ($1, 10), ($2, 10)`, [late, early]);
    const [placing, adjusting] = [await connect(), await connect()];
    await placing.query(`BEGIN; SET LOCAL deadlock_timeout = '100ms'`);
    await placing.query(`SELECT 1 FROM inventory WHERE sku = $1 FOR UPDATE`, [early]);

    await adjusting.query('BEGIN'); // whatever plan the statement gets
    const adjusted = new InventoryRepository().adjust(pgManager(adjusting), new Map([[late, 1], [early, 1]]));
    await stack.waitsForLock(adjusting, 'the adjustment waits for the first SKU');
    // Had the adjustment locked `late` first, this would deadlock (and one of the two would fail).
    await placing.query(`SELECT 1 FROM inventory WHERE sku = $1 FOR UPDATE`, [late]);
    await placing.query('COMMIT');
    await adjusted;
    await adjusting.query('COMMIT');
    const stock = await stack.db.query(`SELECT sku, available FROM inventory WHERE sku IN ($1, $2) ORDER BY sku`, [early, late]);
    expect(stock).toEqual([
      { sku: early, available: 11 },
      { sku: late, available: 11 },
    ]);
  });
});
