import type { Redis } from 'ioredis';

/**
 * The lock's Redis side, one round trip per step: each step is a Lua script that ioredis sends
 * with EVALSHA (falling back to EVAL once after a Redis restart flushed the script cache).
 *
 * Acquiring and drawing the fencing token are one script, so a lock is never held without its
 * token and the pair costs one round trip instead of two. A fencing token is
 * `epoch * 2^26 + counter`, where the epoch (ms since 2025) is set when the counter key is
 * created: Redis keeps nothing on disk here, and after a restart the new epoch is later, so
 * tokens still only grow. Both keys carry the customer as hash tag: one slot on a cluster.
 */
const ACQUIRE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('PTTL', KEYS[1])
end
local epoch = redis.call('HGET', KEYS[2], 'e')
local counter = redis.call('HINCRBY', KEYS[2], 'c', 1)
if (not epoch) or counter >= tonumber(ARGV[4]) then
  epoch = ARGV[3]
  redis.call('HSET', KEYS[2], 'e', epoch, 'c', 1)
  counter = 1
end
return {epoch, counter}`;

/** Extends the lock only while it is still ours (the value is the holder's random id). */
const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** Deletes the lock only while it is still ours: an expired lock may belong to the next holder. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const COUNTER_BITS = 26n;
const EPOCH_ORIGIN_MS = Date.UTC(2025, 0, 1);

interface LockCommands {
  orderflowLockAcquire(lockKey: string, fenceKey: string, owner: string, ttlMs: number, epoch: number, limit: number): Promise<number | [string, number]>;
  orderflowLockExtend(lockKey: string, owner: string, ttlMs: number): Promise<number>;
  orderflowLockRelease(lockKey: string, owner: string): Promise<number>;
}

export type LockRedis = Redis & LockCommands;

/** Registers the scripts on this client (once) and returns it typed with them. */
export function withLockScripts(redis: Redis): LockRedis {
  const typed = redis as LockRedis;
  if (typeof typed.orderflowLockAcquire !== 'function') {
    redis.defineCommand('orderflowLockAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand('orderflowLockExtend', { numberOfKeys: 1, lua: EXTEND });
    redis.defineCommand('orderflowLockRelease', { numberOfKeys: 1, lua: RELEASE });
  }
  return typed;
}

export function lockKey(customerId: string): string {
  return `orderflow:lock:customer:{${customerId}}`;
}

export function fenceKey(customerId: string): string {
  return `orderflow:fence:{${customerId}}`;
}

/**
 * One attempt: the fencing token when the lock was free and is now ours, else the milliseconds
 * the current holder's lock has left (-1/-2 when Redis does not know).
 */
export async function tryAcquire(redis: LockRedis, customerId: string, owner: string, ttlMs: number): Promise<{ fenceToken: string } | { busyForMs: number }> {
  const result = await redis.orderflowLockAcquire(
    lockKey(customerId),
    fenceKey(customerId),
    owner,
    ttlMs,
    Date.now() - EPOCH_ORIGIN_MS,
    2 ** Number(COUNTER_BITS),
  );
  if (!Array.isArray(result)) return { busyForMs: Number(result) };
  const [epoch, counter] = result;
  return { fenceToken: ((BigInt(epoch) << COUNTER_BITS) + BigInt(counter)).toString() };
}
