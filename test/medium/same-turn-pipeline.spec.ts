import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { CustomerLock } from '@orderflow/locking/customer-lock';
import { createRedis, waitForRedis } from '@orderflow/locking/redis-connection';
import { SameTurnPipeline } from '@orderflow/locking/same-turn-pipeline';
import { mediumStack, MediumStack } from './medium-stack';

/** Counts the pipelines a connection sends (each one write of all its commands). */
function countPipelines(redis: Redis): () => number {
  let count = 0;
  const pipeline = redis.pipeline.bind(redis);
  redis.pipeline = ((...args: Parameters<Redis['pipeline']>) => {
    count++;
    return pipeline(...args);
  }) as Redis['pipeline'];
  return () => count;
}

describe('same-turn pipeline', () => {
  let stack: MediumStack;
  const connections: Redis[] = [];
  /** A connection as the apps make them (no offline queue), once it is ready. */
  const connect = async () => {
    const redis = createRedis(stack.redisUrl);
    connections.push(redis);
    expect(await waitForRedis(redis)).toBe(true);
    return redis;
  };

  beforeAll(async () => {
    stack = await mediumStack();
  });

  afterAll(async () => {
    connections.forEach((redis) => redis.disconnect());
    await stack.close();
  });

  it('sends the commands of one turn as one pipeline and answers each caller with its own reply or error', async () => {
    const redis = await connect();
    const pipelines = countPipelines(redis);
    const scripts = new SameTurnPipeline(redis);
    const key = `stp-${randomUUID()}`;
    await stack.redis.set(`${key}:text`, 'not a number');
    const replies = await Promise.allSettled([
      scripts.run((p) => p.incr(`${key}:n`)),
      scripts.run((p) => p.incr(`${key}:text`)),
      scripts.run((p) => p.incr(`${key}:n`)),
    ]);
    expect(pipelines()).toBe(1);
    expect(replies.map((r) => (r.status === 'fulfilled' ? r.value : 'error'))).toEqual([1, 'error', 2]);
    expect(replies[1].status === 'rejected' && String(replies[1].reason)).toMatch(/not an integer/);
    // The next turn's commands go in a pipeline of their own.
    expect(await scripts.run((p) => p.get(`${key}:n`))).toBe('2');
    expect(pipelines()).toBe(2);
  });

  it('fails every caller of a pipeline Redis cannot take, rather than leave them waiting', async () => {
    const redis = await connect();
    redis.disconnect(); // no offline queue: nothing waits for a reconnection
    const scripts = new SameTurnPipeline(redis);
    const replies = await Promise.allSettled([scripts.run((p) => p.ping()), scripts.run((p) => p.ping())]);
    expect(replies.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('takes and releases the locks of customers asked for together in one pipeline each way', async () => {
    const redis = await connect();
    const lock = new CustomerLock(redis, { ttlMs: 5000, waitTimeoutMs: 2000 });
    const pipelines = countPipelines(redis);
    const customers = Array.from({ length: 5 }, () => `stp-${randomUUID().slice(0, 8)}`);
    const tokens = await Promise.all(customers.map((customerId) => lock.withLock(customerId, async (lease) => lease.fenceToken)));
    expect(tokens.every((token) => BigInt(token) > 0n)).toBe(true);
    expect(pipelines()).toBe(2);
    expect(await stack.redis.exists(...customers.map((customerId) => `orderflow:lock:customer:{${customerId}}`))).toBe(0);
  });
});
