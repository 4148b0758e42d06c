import type { Redis } from 'ioredis';

/**
 * Fencing tokens: monotonic per customer, issued right after the lock is acquired and checked
 * by PostgreSQL in the transaction that commits the work. Redis keeps nothing on disk here, so
 * a token is `epoch * 2^26 + counter`, where the epoch (ms since 2025) is set when the counter
 * key is created: after a Redis restart the new epoch is later, so tokens still only grow.
 */
const COUNTER_BITS = 26n;
const EPOCH_ORIGIN_MS = Date.UTC(2025, 0, 1);

const NEXT_TOKEN_SCRIPT = `
local epoch = redis.call('HGET', KEYS[1], 'e')
local counter = redis.call('HINCRBY', KEYS[1], 'c', 1)
if (not epoch) or counter >= tonumber(ARGV[2]) then
  epoch = ARGV[1]
  redis.call('HSET', KEYS[1], 'e', epoch, 'c', 1)
  counter = 1
end
return {epoch, counter}`;

type FenceRedis = Redis & { orderflowNextFenceToken(key: string, nowEpoch: string, counterLimit: string): Promise<[string, number]> };

/** Sent as EVALSHA once defined: the script's text crosses the wire once per connection, not per lock. */
function withFenceCommand(redis: Redis): FenceRedis {
  const fenced = redis as FenceRedis;
  if (typeof fenced.orderflowNextFenceToken !== 'function') redis.defineCommand('orderflowNextFenceToken', { numberOfKeys: 1, lua: NEXT_TOKEN_SCRIPT });
  return fenced;
}

export async function nextFenceToken(redis: Redis, customerId: string): Promise<string> {
  const nowEpoch = Date.now() - EPOCH_ORIGIN_MS;
  const [epoch, counter] = await withFenceCommand(redis).orderflowNextFenceToken(
    `orderflow:fence:{${customerId}}`,
    String(nowEpoch),
    String(2 ** Number(COUNTER_BITS)),
  );
  return ((BigInt(epoch) << COUNTER_BITS) + BigInt(counter)).toString();
}
