import { randomUUID } from 'node:crypto';
import { PoolClient } from 'pg';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { requestFingerprint } from '@orderflow/domain/request-fingerprint';
import { placeOrder } from '@orderflow/orders/placement';
import { StaleLockError } from '@orderflow/orders/order-errors';
import { pgManager } from '@orderflow/bench/raw-order-transaction';
import { mediumStack, MediumStack } from './medium-stack';

/**
 * The placement's optimistic write against concurrent writes it did not see in its snapshot (what
 * happens when a lock lease is lost, or in the bench's raw lane which takes no lock, and to stock
 * shared by customers at any time): the write must not go through on stale data, and the
 * placement must read and decide again. The concurrent writer is held open in a transaction, so
 * each interleaving is forced, not hoped for.
 */
describe('placement against concurrent writes', () => {
  let stack: MediumStack;
  const connect = () => stack.connect();
  const newSku = () => `race-sku-${randomUUID().slice(0, 6)}`;
  const command = (customerId: string, clientOrderId: string, sku = newSku(), quantity = 1): PlaceOrderCommand => ({
    customerId,
    clientOrderId,
    currency: 'EUR',
    items: [{ sku, quantity, unitPriceCents: 100 }],
  });
  const place = (client: PoolClient, order: PlaceOrderCommand, fenceToken: string) =>
    placeOrder(pgManager(client), order, requestFingerprint(order), { source: 'http' }, fenceToken, null);
  const waitsForLock = (client: PoolClient) => stack.waitsForLock(client, 'the placement to wait for the open transaction');

  beforeAll(async () => {
    stack = await mediumStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  it('places after a concurrent creation of the same new customer, as its second order', async () => {
    const customerId = `race-${randomUUID().slice(0, 8)}`;
    const [first, second] = [await connect(), await connect()];
    await first.query('BEGIN');
    const placedFirst = await place(first, command(customerId, 'first'), '1');
    // Its snapshot has no customer; its write waits for the uncommitted one, then finds it.
    const placingSecond = place(second, command(customerId, 'second'), '2');
    await waitsForLock(second);
    await first.query('COMMIT');
    const placedSecond = await placingSecond;
    expect([placedFirst.order.orderNumber, placedSecond.order.orderNumber]).toEqual([1, 2]);
    const stored = await stack.db.query(`SELECT client_order_id, order_number FROM orders WHERE customer_id = $1 ORDER BY order_number`, [customerId]);
    expect(stored).toEqual([
      { client_order_id: 'first', order_number: 1 },
      { client_order_id: 'second', order_number: 2 },
    ]);
    expect((await stack.db.query(`SELECT fence_token::text AS token FROM customers WHERE id = $1`, [customerId]))[0].token).toBe('2');
  });

  it('decides again when the customer row changed after its snapshot: the credit released meanwhile counts', async () => {
    const customerId = `race-${randomUUID().slice(0, 8)}`;
    await stack.db.query(`INSERT INTO customers (id, currency, credit_limit_cents, open_balance_cents) VALUES ($1, 'EUR', 1000, 1000)`, [customerId]);
    const [releasing, placing] = [await connect(), await connect()];
    await releasing.query('BEGIN');
    await releasing.query(`UPDATE customers SET open_balance_cents = 0 WHERE id = $1`, [customerId]);
    // The snapshot still sees the full balance (credit exceeded); the write waits, then finds a new row version.
    const placed = place(placing, command(customerId, 'after-release', newSku(), 5), '1');
    await waitsForLock(placing);
    await releasing.query('COMMIT');
    const { order } = await placed;
    expect(order).toMatchObject({ status: 'CONFIRMED', orderNumber: 1, totalCents: 500 });
    expect((await stack.db.query(`SELECT open_balance_cents::int AS balance FROM customers WHERE id = $1`, [customerId]))[0].balance).toBe(500);
  });

  it('never takes stock another order took after its snapshot: it rejects on the stock left', async () => {
    const sku = newSku();
    await stack.db.query(`INSERT INTO inventory (sku, available) VALUES ($1, 3)`, [sku]);
    const [taking, placing] = [await connect(), await connect()];
    await taking.query('BEGIN');
    const took = await place(taking, command(`race-${randomUUID().slice(0, 8)}`, 'takes-2', sku, 2), '1');
    expect(took.order.status).toBe('CONFIRMED');
    // Its snapshot sees 3 available and confirms 2; the write waits for the stock row, then 1 is left.
    const placed = place(placing, command(`race-${randomUUID().slice(0, 8)}`, 'wants-2', sku, 2), '1');
    await waitsForLock(placing);
    await taking.query('COMMIT');
    const { order } = await placed;
    expect(order).toMatchObject({ status: 'REJECTED', rejectionReason: 'INSUFFICIENT_STOCK' });
    expect((await stack.db.query(`SELECT available FROM inventory WHERE sku = $1`, [sku]))[0].available).toBe(1);
  });

  it('answers a concurrent placement of the same clientOrderId as a replay, written once', async () => {
    const customerId = `race-${randomUUID().slice(0, 8)}`;
    const order = command(customerId, 'same');
    const [first, second] = [await connect(), await connect()];
    await place(first, command(customerId, 'earlier'), '1');
    await first.query('BEGIN');
    await place(first, order, '2');
    const again = place(second, order, '2');
    await waitsForLock(second);
    await first.query('COMMIT');
    expect(await again).toMatchObject({ created: false, order: { clientOrderId: 'same', orderNumber: 2 } });
    expect((await stack.db.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id = $1`, [customerId]))[0].n).toBe(2);
  });

  it('still refuses a holder whose token is older than the one recorded, and writes nothing for it', async () => {
    const customerId = `race-${randomUUID().slice(0, 8)}`;
    const client = await connect();
    await place(client, command(customerId, 'newer'), '5');
    await expect(place(client, command(customerId, 'stale'), '4')).rejects.toBeInstanceOf(StaleLockError);
    expect((await stack.db.query(`SELECT client_order_id FROM orders WHERE customer_id = $1`, [customerId])).map((r: { client_order_id: string }) => r.client_order_id)).toEqual(['newer']);
  });
});
