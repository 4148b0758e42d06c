import { randomUUID } from 'node:crypto';
import { PoolClient } from 'pg';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { requestFingerprint } from '@orderflow/domain/request-fingerprint';
import { placeInTransaction } from '@orderflow/orders/placement-transaction';
import { StaleLockError } from '@orderflow/orders/order-errors';
import { pgManager } from '@orderflow/bench/raw-order-transaction';
import { eventually } from '../support/eventually';
import { mediumStack, MediumStack } from './medium-stack';

/**
 * The placement's first statement against a second transaction that creates the same new
 * customer meanwhile (what happens when a lock lease is lost, or in the bench's raw lane which
 * takes no lock): the waiting placement must go on, not mistake the race for a newer fencing token.
 */
describe('placement of a customer created concurrently', () => {
  let stack: MediumStack;
  const connect = () => stack.connect();
  const command = (customerId: string, clientOrderId: string): PlaceOrderCommand => ({
    customerId,
    clientOrderId,
    currency: 'EUR',
    items: [{ sku: `race-sku-${randomUUID().slice(0, 6)}`, quantity: 1, unitPriceCents: 100 }],
  });
  const place = (client: PoolClient, order: PlaceOrderCommand, fenceToken: string) =>
    placeInTransaction(pgManager(client), order, requestFingerprint(order), { source: 'http' }, fenceToken, null);

  beforeAll(async () => {
    stack = await mediumStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  it('waits for the creating transaction, then places its order after it', async () => {
    const customerId = `race-${randomUUID().slice(0, 8)}`;
    const [first, second] = [await connect(), await connect()];
    await first.query('BEGIN');
    const placedFirst = await place(first, command(customerId, 'first'), '1');
    await second.query('BEGIN');
    // Blocks on the first transaction's uncommitted row; its snapshot predates that commit.
    const placingSecond = place(second, command(customerId, 'second'), '2');
    const secondPid = (second as unknown as { processID: number }).processID;
    await eventually('the second placement waits for the first', async () => {
      const [activity] = await stack.db.query(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [secondPid]);
      return activity?.wait_event_type === 'Lock';
    });
    await first.query('COMMIT');
    const placedSecond = await placingSecond;
    await second.query('COMMIT');
    expect([placedFirst.order.orderNumber, placedSecond.order.orderNumber]).toEqual([1, 2]);
    const stored = await stack.db.query(`SELECT client_order_id, order_number FROM orders WHERE customer_id = $1 ORDER BY order_number`, [customerId]);
    expect(stored).toEqual([
      { client_order_id: 'first', order_number: 1 },
      { client_order_id: 'second', order_number: 2 },
    ]);
    expect((await stack.db.query(`SELECT fence_token::text AS token FROM customers WHERE id = $1`, [customerId]))[0].token).toBe('2');
  });

  it('still refuses a holder whose token is older than the one recorded', async () => {
    const customerId = `race-${randomUUID().slice(0, 8)}`;
    const client = await connect();
    await client.query('BEGIN');
    await place(client, command(customerId, 'newer'), '5');
    await client.query('COMMIT');
    await client.query('BEGIN');
    await expect(place(client, command(customerId, 'stale'), '4')).rejects.toBeInstanceOf(StaleLockError);
    await client.query('ROLLBACK');
  });
});
