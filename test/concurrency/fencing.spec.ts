import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { startTestStack, TestStack } from '../support/test-stack';
import { CustomerLock } from '@orderflow/locking/customer-lock';
import { OrderProcessingService } from '@orderflow/orders/order-processing.service';
import { StaleLockError } from '@orderflow/orders/order-errors';
import { eventually } from '../support/eventually';

describe('fencing of the per-customer lock', () => {
  let stack: TestStack;
  let redis: Redis;
  let lock: CustomerLock;
  let service: OrderProcessingService;

  beforeAll(async () => {
    stack = await startTestStack();
    redis = new Redis(stack.env.REDIS_URL);
    lock = new CustomerLock(redis, { ttlMs: 2000, waitTimeoutMs: 5000 });
    service = new OrderProcessingService(stack.db, lock);
  });

  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  const order = (customerId: string) => ({
    customerId,
    clientOrderId: randomUUID(),
    currency: 'EUR',
    items: [{ sku: 'F-1', quantity: 1, unitPriceCents: 100 }],
  });
  const noAbort = new AbortController().signal;

  it('a lock holder paused past its lock expiry cannot commit after another holder took over', async () => {
    const customerId = `fence-${randomUUID().slice(0, 8)}`;
    // Holder A takes the lock and then stalls (nothing extends its lock, as in a long GC or SIGSTOP).
    const paused = await lock.acquireUnextended(customerId, 2000);
    await eventually('the paused holder’s lock expired', async () => (await redis.exists(`orderflow:lock:customer:{${customerId}}`)) === 0, 10_000, 50);

    // Holder B gets the expired lock and commits an order.
    const b = await service.placeOrder(order(customerId), { source: 'http' });
    expect(b.order.orderNumber).toBe(1);

    // A wakes up and tries to commit with its old token: refused, nothing written.
    await expect(service.placeUnderLease(order(customerId), { source: 'http' }, { fenceToken: paused.fenceToken, signal: noAbort })).rejects.toBeInstanceOf(
      StaleLockError,
    );
    await paused.release();
    const rows = await stack.db.query(`SELECT order_number FROM orders WHERE customer_id = $1`, [customerId]);
    expect(rows).toEqual([{ order_number: 1 }]);
  });

  it('tokens only grow, so the current holder commits and a Redis restart does not fence out everyone', async () => {
    const customerId = `fence-${randomUUID().slice(0, 8)}`;
    const first = await lock.acquireUnextended(customerId, 5000);
    await service.placeUnderLease(order(customerId), { source: 'http' }, { fenceToken: first.fenceToken, signal: noAbort });
    await first.release();

    await stack.redis.restart();
    await eventually('Redis back', async () => (await redis.ping().catch(() => '')) === 'PONG', 10_000, 50);
    const afterRestart = await lock.acquireUnextended(customerId, 5000);
    expect(BigInt(afterRestart.fenceToken)).toBeGreaterThan(BigInt(first.fenceToken));
    const placed = await service.placeUnderLease(order(customerId), { source: 'http' }, { fenceToken: afterRestart.fenceToken, signal: noAbort });
    expect(placed.order.orderNumber).toBe(2);
    await afterRestart.release();
  });

  it('a holder whose lock was lost mid-work (aborted lease) does not commit', async () => {
    const customerId = `fence-${randomUUID().slice(0, 8)}`;
    const lease = await lock.acquireUnextended(customerId, 5000);
    const lost = new AbortController();
    lost.abort();
    await expect(service.placeUnderLease(order(customerId), { source: 'http' }, { fenceToken: lease.fenceToken, signal: lost.signal })).rejects.toBeInstanceOf(
      StaleLockError,
    );
    await lease.release();
    expect(await stack.db.query(`SELECT 1 FROM orders WHERE customer_id = $1`, [customerId])).toEqual([]);
  });

  it('keeps a lock extended while its work outlives the TTL, so nobody else gets it meanwhile', async () => {
    const customerId = `fence-${randomUUID().slice(0, 8)}`;
    const key = `orderflow:lock:customer:{${customerId}}`;
    const impatient = new CustomerLock(redis, { ttlMs: 2000, waitTimeoutMs: 200 });
    let aborted = true;
    await lock.withLock(customerId, async (lease) => {
      // Past 1.5 TTLs: without the extensions the key would be gone.
      const until = Date.now() + 3000;
      await eventually('1.5 TTLs to pass', async () => Date.now() >= until, 10_000, 100);
      expect(await redis.exists(key)).toBe(1);
      await expect(impatient.acquireUnextended(customerId, 2000)).rejects.toThrow(`could not lock customer ${customerId}`);
      aborted = lease.signal.aborted;
    });
    expect(aborted).toBe(false);
    // Released at the end: the next holder gets it at once.
    const next = await impatient.acquireUnextended(customerId, 2000);
    await next.release();
  });

  it('aborts the lease when the lock was taken away, and never releases another holder\'s lock', async () => {
    const customerId = `fence-${randomUUID().slice(0, 8)}`;
    const key = `orderflow:lock:customer:{${customerId}}`;
    let stolen: { fenceToken: string; release(): Promise<void> } | undefined;
    await lock.withLock(customerId, async (lease) => {
      // The key vanishes (an operator, a failover) and another instance takes the customer.
      await redis.del(key);
      stolen = await lock.acquireUnextended(customerId, 10_000);
      await eventually('the lease to be aborted', async () => lease.signal.aborted, 10_000, 50);
    });
    // withLock released only its own lock: the other holder's is still there.
    expect(await redis.exists(key)).toBe(1);
    await stolen!.release();
    expect(await redis.exists(key)).toBe(0);
  });
});
