import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { CustomerLock, LockUnavailableError } from '@orderflow/locking/customer-lock';
import { LockReleaseSignals, releaseChannel } from '@orderflow/locking/lock-release-signals';
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
  const connection = () => {
    const redis = new Redis(stack.redisUrl);
    connections.push(redis);
    return redis;
  };
  const instance = (waitTimeoutMs = 2000) => new CustomerLock(connection(), { ttlMs: 5000, waitTimeoutMs });
  /** An instance woken by release signals, whose fallback try comes later than its wait timeout. */
  const signalled = (waitTimeoutMs: number) =>
    new CustomerLock(connection(), { ttlMs: 5000, waitTimeoutMs, releases: new LockReleaseSignals(connection()), releasedPollMs: 60_000 });
  const subscribers = (customerId: string) => stack.redis.pubsub('NUMSUB', releaseChannel(customerId)).then((reply) => Number((reply as [string, number])[1]));

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

  it('wakes a waiter of another instance when the holder lets go, without waiting for its next try', async () => {
    const customerId = `lock-${randomUUID().slice(0, 8)}`;
    const held = await instance().acquireUnextended(customerId, 5000);
    // Its next try, and its wait timeout, come after 60 s: within 10 s only the release signal lets it in.
    let entered = false;
    const waiter = signalled(60_000).withLock(customerId, async () => {
      entered = true;
    });
    await eventually('the waiter to listen for the release', async () => (await subscribers(customerId)) === 1, 10_000, 10);
    await held.release();
    await eventually('the waiter to take the released lock', async () => entered, 10_000, 10);
    await waiter;
    await eventually('the waiter to stop listening', async () => (await subscribers(customerId)) === 0, 10_000, 10);
    expect(await stack.redis.exists(`orderflow:lock:customer:{${customerId}}`)).toBe(0);
  });

  it('hears a release that came before the waiter asked for the next one', async () => {
    const customerId = `lock-${randomUUID().slice(0, 8)}`;
    const signals = new LockReleaseSignals(connection());
    await eventually('the subscriber connection', async () => connections.at(-1)!.status === 'ready', 10_000, 10);
    const listener = (await signals.listen(customerId))!;
    expect(listener).not.toBeNull();
    await stack.redis.publish(releaseChannel(customerId), '1');
    // The message is in flight or already heard: next() answers true either way (false: it timed out).
    expect(await listener.next(20_000)).toBe(true);
    listener.close();
  });

  it('falls back to trying every 10-20 ms while its subscriber connection is down', async () => {
    const customerId = `lock-${randomUUID().slice(0, 8)}`;
    const subscriber = connection();
    subscriber.disconnect();
    const lock = new CustomerLock(connection(), { ttlMs: 5000, waitTimeoutMs: 5000, releases: new LockReleaseSignals(subscriber), releasedPollMs: 60_000 });
    const held = await instance().acquireUnextended(customerId, 5000);
    const before = await scriptCalls(stack);
    const waiter = lock.withLock(customerId, async () => 'polled');
    await eventually('the waiter to try the held lock again', async () => (await scriptCalls(stack)) >= before + 3, 10_000, 10);
    await held.release();
    expect(await waiter).toBe('polled');
    expect(await subscribers(customerId)).toBe(0);
  });
});
