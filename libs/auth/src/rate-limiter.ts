import type { Redis } from 'ioredis';

/**
 * Token bucket per API key, shared by every API instance through Redis: one Lua script (sent
 * with EVALSHA) refills the bucket for the time since its last use, at the key's rate, up to its
 * burst, and takes one token, atomically, on Redis's own clock (instances' clocks do not matter).
 * A key that runs away empties its own bucket only: the others keep theirs.
 */
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
local waitMs = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  waitMs = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, waitMs}`;

export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

type TakeRedis = Redis & { orderflowRateTake(key: string, rate: number, burst: number): Promise<[number, number]> };

export class ApiKeyRateLimiter {
  private readonly redis: TakeRedis;

  /** `defaults` applies to keys stored without their own limit; null: such keys are not limited. */
  constructor(
    redis: Redis,
    private readonly defaults: RateLimit | null,
    private readonly onRedisError: (error: unknown) => void = () => undefined,
  ) {
    this.redis = redis as TakeRedis;
    if (typeof this.redis.orderflowRateTake !== 'function') redis.defineCommand('orderflowRateTake', { numberOfKeys: 1, lua: TAKE });
  }

  /** The limit of a key: its own, else the default. */
  limitOf(key: { ratePerSecond: number | null; burst: number | null }): RateLimit | null {
    if (key.ratePerSecond === null) return this.defaults;
    return { ratePerSecond: key.ratePerSecond, burst: key.burst ?? Math.max(1, key.ratePerSecond) };
  }

  /**
   * Takes a token for one request. Fails open: while Redis is unreachable requests are not
   * limited (the limit protects the service; it must not become a reason to refuse it).
   */
  async take(keyId: string, limit: RateLimit | null): Promise<RateDecision> {
    if (!limit) return { allowed: true };
    try {
      const [allowed, waitMs] = await this.redis.orderflowRateTake(`orderflow:rate:{${keyId}}`, limit.ratePerSecond, limit.burst);
      return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    } catch (error) {
      this.onRedisError(error);
      return { allowed: true };
    }
  }
}
