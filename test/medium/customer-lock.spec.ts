import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { CustomerLock, LockUnavailableError } from '@orderflow/locking/customer-lock';
import { eventually } from '../support/eventually';
import { mediumStack, MediumStack, scriptCalls } from './medium-stack';

/**
 * The per-customer lock of two instances (two CustomerLocks on their own connections) in the
 * suite's own Redis database, which is not database 0: taken together with its fencing token,
 * held by one at a time, released where it was taken.
 */
describe('customer lock', () => {
  let stack: MediumStack;
  const connections: Redis[] = [];
  const instance = (waitTimeoutMs = 2000) => {
    const redis = new Redis(stack.redisUrl);
    connections.push(redis);
    return new CustomerLock(redis, { ttlMs: 5000, waitTimeoutMs });
  };

  beforeAll(async () => {
    stack = await mediumStack();
    expect(stack.redis.options.db).not.toBe(0);
  });

  afterAll(async () => {
    connections.forEach((redis) => redis.disconnect());
    await stack.close();
  });

  it('hands out increasing fencing tokens and leaves neither lock key behind, in its own database', async () => {
    const customerId = `lock-${randomUUID().slice(0, 8)}`;
    const lock = instance();
    const tokens: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      await lock.withLock(customerId, async (lease) => {
        expect(await stack.redis.exists(`orderflow:lock:customer:{${customerId}}`)).toBe(1);
        tokens.push(BigInt(lease.fenceToken));
      });
      expect(await stack.redis.exists(`orderflow:lock:customer:{${customerId}}`)).toBe(0);
    }
    expect(tokens[1]).toBe(tokens[0] + 1n);
    expect(tokens[2]).toBe(tokens[1] + 1n);
    expect(await stack.redis.exists(`orderflow:fence:{${customerId}}`)).toBe(1);
  });

  it('lets one instance at a time work for a customer, the other waiting for the release', async () => {
    const customerId = `lock-${randomUUID().slice(0, 8)}`;
    const [a, b] = [instance(), instance()];
    const events: string[] = [];
    let releaseA!: () => void;
    const aHolds = new Promise<void>((resolve) => (releaseA = resolve));
    let aStarted!: () => void;
    const aIsIn = new Promise<void>((resolve) => (aStarted = resolve));
    const first = a.withLock(customerId, async () => {
      events.push('a in');
      aStarted();
      await aHolds;
      events.push('a out');
    });
    await aIsIn;
    const before = await scriptCalls(stack);
    const second = b.withLock(customerId, async () => void events.push('b in'));
    // b tries every 10-20 ms (a script each) while a holds the lock: a lets go once b has tried a few times.
    await eventually('b to try the held lock', async () => (await scriptCalls(stack)) >= before + 3, 10_000, 10);
    expect(events).toEqual(['a in']);
    releaseA();
    await first;
    await second;
    expect(events).toEqual(['a in', 'a out', 'b in']);
  });

  it('gives up after its wait timeout while another instance holds the lock', async () => {
    const customerId = `lock-${randomUUID().slice(0, 8)}`;
    const held = await instance().acquireUnextended(customerId, 5000);
    await expect(instance(200).withLock(customerId, async () => 'never')).rejects.toBeInstanceOf(LockUnavailableError);
    await held.release();
    expect(await instance(200).withLock(customerId, async () => 'now')).toBe('now');
  });
});
