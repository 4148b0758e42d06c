import type { Redis } from 'ioredis';

/**
 * Fencing tokens: monotonic per customer, issued with the lock and checked by PostgreSQL in the
 * write that commits the work. Redis keeps nothing on disk here, so a token is
 * `epoch * 2^26 + counter`, where the epoch (ms since 2025) is set when the counter key is
 * created: after a Redis restart the new epoch is later, so tokens still only grow.
 */
const COUNTER_BITS = 26n;
const EPOCH_ORIGIN_MS = Date.UTC(2025, 0, 1);

/**
 * Lua that draws the next token from the counter hash `KEYS[fenceKey]` and returns
 * `{epoch, counter}`; ARGV[epochArg] is the current epoch, ARGV[epochArg + 1] the counter limit.
 * Part of the lock's acquire script (customer-lock.ts) and of NEXT_TOKEN_SCRIPT.
 */
export function drawTokenLua(fenceKey: number, epochArg: number): string {
  return `
local epoch = redis.call('HGET', KEYS[${fenceKey}], 'e')
local counter = redis.call('HINCRBY', KEYS[${fenceKey}], 'c', 1)
if (not epoch) or counter >= tonumber(ARGV[${epochArg + 1}]) then
  epoch = ARGV[${epochArg}]
  redis.call('HSET', KEYS[${fenceKey}], 'e', epoch, 'c', 1)
  counter = 1
end
return {epoch, counter}`;
}

const NEXT_TOKEN_SCRIPT = drawTokenLua(1, 1);

export function fenceKey(customerId: string): string {
  return `orderflow:fence:{${customerId}}`;
}

/** The arguments drawTokenLua reads: the current epoch and the counter limit. */
export function drawTokenArgs(): [string, string] {
  return [String(Date.now() - EPOCH_ORIGIN_MS), String(2 ** Number(COUNTER_BITS))];
}

export function tokenOf([epoch, counter]: [string, number]): string {
  return ((BigInt(epoch) << COUNTER_BITS) + BigInt(counter)).toString();
}

type FenceRedis = Redis & { orderflowNextFenceToken(key: string, nowEpoch: string, counterLimit: string): Promise<[string, number]> };

/** Sent as EVALSHA once defined: the script's text crosses the wire once per connection, not per lock. */
function withFenceCommand(redis: Redis): FenceRedis {
  const fenced = redis as FenceRedis;
  if (typeof fenced.orderflowNextFenceToken !== 'function') redis.defineCommand('orderflowNextFenceToken', { numberOfKeys: 1, lua: NEXT_TOKEN_SCRIPT });
  return fenced;
}

/** A token on its own, for a lock acquired some other way. */
export async function nextFenceToken(redis: Redis, customerId: string): Promise<string> {
  return tokenOf(await withFenceCommand(redis).orderflowNextFenceToken(fenceKey(customerId), ...drawTokenArgs()));
}
