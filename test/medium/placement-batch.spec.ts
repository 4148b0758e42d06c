import { randomUUID } from 'node:crypto';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { requestFingerprint } from '@orderflow/domain/request-fingerprint';
import { CustomerLock, lockKey } from '@orderflow/locking/customer-lock';
import { metricsRegistry } from '@orderflow/observability/metrics';
import { AccountsService } from '@orderflow/orders/accounts.service';
import { IdempotencyConflictError, StaleLockError } from '@orderflow/orders/order-errors';
import { OrderProcessingService } from '@orderflow/orders/order-processing.service';
import { placeBatch, PlacementRequest } from '@orderflow/orders/placement';
import { onOrderConnection } from '@orderflow/persistence/order-session';
import { pgManager } from '@orderflow/bench/raw-order-transaction';
import { AdaptiveLimiter } from '@orderflow/orders/adaptive-concurrency';
import { eventually } from '../support/eventually';
import { mediumStack, MediumStack } from './medium-stack';

/**
 * The batched placement (placeBatch, PlacementBatcher) decides exactly what the same orders
 * placed one after another would, writes a batch in one transaction, and when any order of it
 * turns out to be decided on data that changed, writes none of it and places each on its own.
 */
describe('batched placement', () => {
  let stack: MediumStack;
  let accounts: AccountsService;
  const sqs = { source: 'sqs' as const };

  beforeAll(async () => {
    stack = await mediumStack();
    accounts = new AccountsService(stack.db);
  });

  afterAll(() => stack.close());

  const tag = () => randomUUID().slice(0, 8);
  const order = (customerId: string, sku: string, quantity = 1, overrides: Partial<PlaceOrderCommand> = {}): PlaceOrderCommand => ({
    customerId,
    clientOrderId: randomUUID(),
    currency: 'EUR',
    items: [{ sku, quantity, unitPriceCents: 500 }],
    ...overrides,
  });
  const request = (command: PlaceOrderCommand, fenceToken = '1', beforeWrite = () => undefined): PlacementRequest => ({
    command,
    requestHash: requestFingerprint(command),
    context: sqs,
    fenceToken,
    beforeWrite,
  });
  const place = (requests: PlacementRequest[]) => onOrderConnection(stack.db, (manager) => placeBatch(manager, requests, '9.9.9-batch'));
  /** The transactions that wrote these orders: one when the batch was written as one. */
  const writers = async (orderIds: string[]) =>
    (await stack.db.query(`SELECT count(DISTINCT xmin::text)::int AS n FROM orders WHERE id = ANY($1::uuid[])`, [orderIds]))[0].n as number;
  const fallbacks = async () => (await metricsRegistry.getSingleMetric('orderflow_placement_batch_fallbacks_total')!.get()).values[0]?.value ?? 0;
  const placedIds = (outcomes: Awaited<ReturnType<typeof place>>) => outcomes.map((outcome) => (outcome.ok ? outcome.value.order.id : 'failed'));

  it('writes orders of new and existing customers in one transaction, each with its events, balance and number', async () => {
    const sku = `PB-${tag()}`;
    await accounts.putStock(sku, 10, 'medium-test');
    const [known, fresh] = [`pb-known-${tag()}`, `pb-new-${tag()}`];
    await accounts.putCustomer(known, 'EUR', 10_000, 'medium-test');
    const outcomes = await place([request(order(known, sku, 2)), request(order(fresh, sku, 3))]);

    expect(outcomes.map((outcome) => outcome.ok && [outcome.value.created, outcome.value.order.orderNumber, outcome.value.order.status])).toEqual([
      [true, 1, 'CONFIRMED'],
      [true, 1, 'CONFIRMED'],
    ]);
    expect(await writers(placedIds(outcomes))).toBe(1);
    expect((await accounts.getStock(sku))?.available).toBe(5);
    expect((await accounts.getCustomer(known))?.openBalanceCents).toBe(1000);
    expect(await accounts.getCustomer(fresh)).toMatchObject({ currency: 'EUR', openBalanceCents: 1500, lastOrderNumber: 1 });
    const events = await stack.db.query(`SELECT customer_id, type, payload->'order'->>'processedByVersion' AS version FROM outbox_events WHERE customer_id IN ($1, $2) ORDER BY id`, [
      known,
      fresh,
    ]);
    expect(events).toEqual([
      { customer_id: known, type: 'order.confirmed', version: '9.9.9-batch' },
      { customer_id: fresh, type: 'order.confirmed', version: '9.9.9-batch' },
    ]);
  });

  it('lets each order see the stock the orders before it took, as one after another would', async () => {
    const sku = `PB-${tag()}`;
    await accounts.putStock(sku, 5, 'medium-test');
    const customers = [1, 2, 3].map((n) => `pb-stock-${n}-${tag()}`);
    const outcomes = await place(customers.map((customerId) => request(order(customerId, sku, 2))));

    expect(outcomes.map((outcome) => outcome.ok && [outcome.value.order.status, outcome.value.order.rejectionReason])).toEqual([
      ['CONFIRMED', null],
      ['CONFIRMED', null],
      ['REJECTED', 'INSUFFICIENT_STOCK'],
    ]);
    expect((await accounts.getStock(sku))?.available).toBe(1);
    expect(await writers(placedIds(outcomes))).toBe(1);
  });

  it('answers a replay, an idempotency conflict and a stale lease each on its own and writes the rest together', async () => {
    const sku = `PB-${tag()}`;
    await accounts.putStock(sku, 100, 'medium-test');
    const [replayed, conflicting, fenced, plainA, plainB] = ['replay', 'conflict', 'fenced', 'a', 'b'].map((name) => `pb-${name}-${tag()}`);
    const replay = order(replayed, sku);
    const conflict = order(conflicting, sku);
    const [first] = await place([request(replay), request(conflict)]);
    // A newer lock holder of `fenced` has written (token 5): a lease with token 4 is stale.
    await place([request(order(fenced, sku), '5')]);

    const outcomes = await place([
      request(replay),
      request({ ...conflict, items: [{ sku, quantity: 7, unitPriceCents: 500 }] }),
      request(order(fenced, sku), '4'),
      request(order(plainA, sku)),
      request(order(plainB, sku)),
    ]);
    expect(outcomes[0]).toEqual({ ok: true, value: { created: false, order: first.ok && first.value.order } });
    expect(outcomes[1].ok === false && outcomes[1].error).toBeInstanceOf(IdempotencyConflictError);
    expect(outcomes[2].ok === false && outcomes[2].error).toBeInstanceOf(StaleLockError);
    expect(outcomes.slice(3).map((outcome) => outcome.ok && outcome.value.created)).toEqual([true, true]);
    expect(await writers(placedIds(outcomes.slice(3)))).toBe(1);
    expect((await stack.db.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id = ANY($1)`, [[replayed, conflicting, fenced]]))[0].n).toBe(3);
  });

  it('places a second order of a customer already in the batch after the first', async () => {
    const sku = `PB-${tag()}`;
    const [twice, other] = [`pb-twice-${tag()}`, `pb-other-${tag()}`];
    const outcomes = await place([request(order(twice, sku)), request(order(other, sku)), request(order(twice, sku))]);
    expect(outcomes.map((outcome) => outcome.ok && [outcome.value.order.customerId, outcome.value.order.orderNumber])).toEqual([
      [twice, 1],
      [other, 1],
      [twice, 2],
    ]);
  });

  it('writes nothing of a batch whose customer row changed after the snapshot, then places each on its own', async () => {
    const sku = `PB-${tag()}`;
    await accounts.putStock(sku, 10, 'medium-test');
    const [steady, changed] = [`pb-steady-${tag()}`, `pb-changed-${tag()}`];
    await accounts.putCustomer(steady, 'EUR', null, 'medium-test');
    await accounts.putCustomer(changed, 'EUR', null, 'medium-test');
    const [holding, placing] = [await stack.connect(), await stack.connect()];
    // A write of `changed`'s row, committed after the batch's snapshot, before its write.
    await holding.query('BEGIN');
    await holding.query(`UPDATE customers SET credit_limit_cents = 1000000 WHERE id = $1`, [changed]);
    const before = await fallbacks();
    const placed = placeBatch(pgManager(placing), [request(order(steady, sku, 1)), request(order(changed, sku, 2))], null);
    await stack.waitsForLock(placing, "the batch's write to wait for the changed customer row");
    await holding.query('COMMIT');

    const outcomes = await placed;
    expect(outcomes.map((outcome) => outcome.ok && [outcome.value.created, outcome.value.order.orderNumber, outcome.value.order.status])).toEqual([
      [true, 1, 'CONFIRMED'],
      [true, 1, 'CONFIRMED'],
    ]);
    expect(await fallbacks()).toBe(before + 1);
    expect(await writers(placedIds(outcomes))).toBe(2);
    expect((await stack.db.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id IN ($1, $2)`, [steady, changed]))[0].n).toBe(2);
    expect((await stack.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE customer_id IN ($1, $2)`, [steady, changed]))[0].n).toBe(2);
    expect((await accounts.getStock(sku))?.available).toBe(7);
    expect(await accounts.getCustomer(changed)).toMatchObject({ creditLimitCents: 1000000, openBalanceCents: 1000, lastOrderNumber: 1 });
  });

  it('writes nothing of a batch whose stock another order took meanwhile, then decides each again', async () => {
    const [scarce, plenty] = [`PB-scarce-${tag()}`, `PB-plenty-${tag()}`];
    await accounts.putStock(scarce, 3, 'medium-test');
    await accounts.putStock(plenty, 10, 'medium-test');
    const [wanting, other] = [`pb-wanting-${tag()}`, `pb-other-${tag()}`];
    const [holding, placing] = [await stack.connect(), await stack.connect()];
    await holding.query('BEGIN');
    await holding.query(`UPDATE inventory SET available = 0 WHERE sku = $1`, [scarce]);
    const placed = placeBatch(pgManager(placing), [request(order(wanting, scarce, 2)), request(order(other, plenty, 1))], null);
    await stack.waitsForLock(placing, "the batch's write to wait for the scarce stock row");
    await holding.query('COMMIT');

    const outcomes = await placed;
    expect(outcomes.map((outcome) => outcome.ok && [outcome.value.order.status, outcome.value.order.rejectionReason])).toEqual([
      ['REJECTED', 'INSUFFICIENT_STOCK'],
      ['CONFIRMED', null],
    ]);
    expect((await stack.db.query(`SELECT sku, available FROM inventory WHERE sku IN ($1, $2) ORDER BY sku`, [scarce, plenty]))).toEqual([
      { sku: plenty, available: 9 },
      { sku: scarce, available: 0 },
    ]);
  });
});

describe('OrderProcessingService with batched placements', () => {
  let stack: MediumStack;

  beforeAll(async () => {
    stack = await mediumStack();
  });

  afterAll(() => stack.close());

  it('places the orders that are ready together, each under its own lock, in batches of at most the size given, taking no lock while the database is busy', async () => {
    const service = new OrderProcessingService(stack.db, new CustomerLock(stack.redis, { ttlMs: 5000, waitTimeoutMs: 5000 }), '9.9.9-batch');
    service.batchPlacements(10);
    // The database is busy (the gate's one slot taken) until every order waits for room.
    const gate = new AdaptiveLimiter(() => 1);
    let free!: () => void;
    const busy = gate.run(() => new Promise<void>((resolve) => (free = resolve)));
    service.admitTransactionsThrough(gate);

    const customers = Array.from({ length: 12 }, (_, n) => `pb-svc-${n}-${randomUUID().slice(0, 8)}`);
    const command = (customerId: string, clientOrderId: string): PlaceOrderCommand => ({
      customerId,
      clientOrderId,
      currency: 'EUR',
      items: [{ sku: 'PB-SVC', quantity: 1, unitPriceCents: 100 }],
    });
    // Two more orders of the first customer: its lock keeps them after its first.
    const commands = [...customers.map((customerId) => command(customerId, 'first')), command(customers[0], 'second'), command(customers[0], 'third')];
    const placing = Promise.all(commands.map((c) => service.placeOrder(c, { source: 'sqs' })));
    // Each order waits for room before its lock: the backlog holds no lock that a REST order of
    // the same customer would wait for.
    await eventually('every order to wait for room', async () => gate.awaitingRoom === commands.length, 10_000, 10);
    expect(await stack.redis.exists(...customers.map(lockKey))).toBe(0);
    free();
    await busy;

    const placed = await placing;
    expect(placed.every((result) => result.created)).toBe(true);
    expect(placed.filter((result) => result.order.customerId === customers[0]).map((result) => result.order.orderNumber)).toEqual([1, 2, 3]);
    const transactions = await stack.db.query(
      `SELECT count(*)::int AS orders FROM orders WHERE customer_id = ANY($1) AND client_order_id = 'first' GROUP BY xmin::text ORDER BY 1 DESC`,
      [customers],
    );
    expect(transactions.map((row: { orders: number }) => row.orders)).toEqual([10, 2]);
  });
});
