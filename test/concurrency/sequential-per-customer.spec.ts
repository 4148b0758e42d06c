import { randomUUID } from 'node:crypto';
import { startTestStack, TestStack } from '../support/test-stack';
import { ApiInstance, startApiInstance } from '../support/api-instance';
import { createOrderflowClient, OrderflowClient } from '@orderflow/client';
import { checkInvariants, INVARIANTS_HOLD } from '../support/invariants';

const CUSTOMERS = 6;
const ORDERS = 600;
const CREDIT_LIMIT = 150_000;
const SKUS = ['SHARED-A', 'SHARED-B', 'SHARED-C'];
const STOCK = 100;

/** Deterministic pseudo-random numbers so that a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe('three API instances, 600 concurrent orders for 6 customers', () => {
  let stack: TestStack;
  const apis: ApiInstance[] = [];
  const clients: OrderflowClient[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    for (let i = 0; i < 3; i++) apis.push(await startApiInstance(stack.config()));
    const key = await stack.createKey(['orders:write', 'orders:read', 'admin']);
    // The storefront client, without retries: a retry would hide an error answer from the assertions.
    clients.push(...apis.map((api) => createOrderflowClient({ baseUrl: api.url, apiKey: key, retries: 0, timeoutMs: 60_000 })));
  });

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all(apis.map((api) => api.close()));
    await stack?.stop();
  });

  it('keeps per-customer numbering, credit limits and stock exact, and replays create nothing', async () => {
    const run = randomUUID().slice(0, 6);
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `conc-${run}-${i}`);
    for (const customerId of customers) {
      expect((await clients[0].putCustomerAccount(customerId, { currency: 'EUR', creditLimitCents: CREDIT_LIMIT })).status).toBe(201);
    }
    for (const sku of SKUS) await clients[0].putInventory(sku, STOCK);

    const random = prng(42);
    const requests = Array.from({ length: ORDERS }, (_, i) => {
      const lines = 1 + Math.floor(random() * 3);
      return {
        customerId: customers[i % CUSTOMERS],
        clientOrderId: `o-${i}`,
        // One order in 20 is in the wrong currency.
        currency: random() < 0.05 ? 'USD' : 'EUR',
        items: Array.from({ length: lines }, (_, line) => ({
          sku: random() < 0.8 ? SKUS[Math.floor(random() * SKUS.length)] : `UNTRACKED-${line}`,
          quantity: 1 + Math.floor(random() * 4),
          unitPriceCents: 100 + Math.floor(random() * 4000),
        })),
      };
    });

    const send = () => Promise.all(requests.map((body, i) => clients[i % clients.length].placeOrder(body)));
    const orderOf = (placed: Awaited<ReturnType<OrderflowClient['placeOrder']>>) => ('order' in placed ? placed.order : null);
    const started = Date.now();
    const responses = await send();
    const elapsedMs = Date.now() - started;
    expect(responses.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
    // Every answer is the order as stored.
    const stored = new Map<string, { status: string; order_number: number }>(
      (await stack.db.query(`SELECT client_order_id, status, order_number FROM orders WHERE customer_id = ANY($1)`, [customers])).map(
        (row: { client_order_id: string; status: string; order_number: number }) => [row.client_order_id, row],
      ),
    );
    expect(stored.size).toBe(ORDERS);
    for (const response of responses) {
      const order = orderOf(response)!;
      const row = stored.get(order.clientOrderId)!;
      expect([order.status, order.orderNumber]).toEqual([row.status, row.order_number]);
    }

    // Database-wide invariants.
    const report = await checkInvariants(stack.db);
    expect(report).toMatchObject(INVARIANTS_HOLD);

    // Replay the outcomes in commit order (outbox ids follow the row locks taken on customers and
    // stock) against an independent model of the rules: every status and reason must match.
    const events: Array<{ order: { customerId: string; orderNumber: number; status: string; rejectionReason: string | null; currency: string; totalCents: number; items: Array<{ sku: string; quantity: number }> } }> = (
      await stack.db.query(`SELECT payload FROM outbox_events WHERE customer_id = ANY($1) ORDER BY id`, [customers])
    ).map((row: { payload: unknown }) => row.payload);
    expect(events).toHaveLength(ORDERS);
    const balance = new Map(customers.map((c) => [c, 0]));
    const lastNumber = new Map(customers.map((c) => [c, 0]));
    const stock = new Map(SKUS.map((sku) => [sku, STOCK]));
    const reasons: Record<string, number> = {};
    for (const { order } of events) {
      expect(order.orderNumber).toBe(lastNumber.get(order.customerId)! + 1);
      lastNumber.set(order.customerId, order.orderNumber);
      const needed = new Map<string, number>();
      for (const item of order.items) if (stock.has(item.sku)) needed.set(item.sku, (needed.get(item.sku) ?? 0) + item.quantity);
      let expected: string | null = null;
      if (order.currency !== 'EUR') expected = 'CURRENCY_MISMATCH';
      else if (balance.get(order.customerId)! + order.totalCents > CREDIT_LIMIT) expected = 'CREDIT_LIMIT_EXCEEDED';
      else if ([...needed].some(([sku, quantity]) => stock.get(sku)! < quantity)) expected = 'INSUFFICIENT_STOCK';
      expect([order.status, order.rejectionReason]).toEqual(expected ? ['REJECTED', expected] : ['CONFIRMED', null]);
      if (!expected) {
        balance.set(order.customerId, balance.get(order.customerId)! + order.totalCents);
        for (const [sku, quantity] of needed) stock.set(sku, stock.get(sku)! - quantity);
      }
      reasons[expected ?? 'CONFIRMED'] = (reasons[expected ?? 'CONFIRMED'] ?? 0) + 1;
    }
    // The stored balances are the replay's, which never went past the limit.
    const balances = await stack.db.query(`SELECT id, open_balance_cents FROM customers WHERE id = ANY($1)`, [customers]);
    expect(balances).toHaveLength(CUSTOMERS);
    for (const row of balances) expect(Number(row.open_balance_cents)).toBe(balance.get(row.id));
    const finalStock = await stack.db.query(`SELECT sku, available FROM inventory WHERE sku = ANY($1)`, [SKUS]);
    for (const row of finalStock) expect(row.available).toBe(stock.get(row.sku));
    process.stdout.write(`concurrency: ${ORDERS} orders through 3 instances in ${elapsedMs} ms; outcomes ${JSON.stringify(reasons)}\n`);
    // The scenario must exercise every outcome, or it proves less than it claims.
    expect(Object.keys(reasons).sort()).toEqual(['CONFIRMED', 'CREDIT_LIMIT_EXCEEDED', 'CURRENCY_MISMATCH', 'INSUFFICIENT_STOCK']);

    // Replaying all 600 requests answers 200 with the same orders and creates nothing.
    const replays = await send();
    expect(replays.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    replays.forEach((replay, i) => expect(orderOf(replay)).toEqual(orderOf(responses[i])));
    expect((await checkInvariants(stack.db)).orders).toBe(report.orders);
  });
});
