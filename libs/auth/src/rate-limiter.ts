import type { Redis } from 'ioredis';

/**
 * Token bucket per API key, shared by every API instance through Redis: one Lua script (sent
 * with EVALSHA) refills the bucket for the time since its last use, at the key's rate, up to its
 * burst, and takes tokens, atomically, on Redis's own clock (instances' clocks do not matter).
 * A key that runs away empties its own bucket only: the others keep theirs.
 *
 * A busy key's tokens are leased: an instance takes up to a hundredth of a second's worth at once
 * (at most 100) and spends them locally for at most LEASE_MS, so that a key sending thousands of
 * requests a second costs Redis a few dozen scripts, not one per request. Below 200 requests a
 * second the lease is one token (every request asks Redis). What a lease costs in precision: each
 * instance may hold up to one lease that the bucket already counted; an unspent lease expires
 * and its tokens are lost to the key (never given to another).
 */
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
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
  allowed = math.min(want, math.floor(tokens))
  tokens = tokens - allowed
else
  waitMs = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, waitMs}`;

/** How long an instance may spend a lease of tokens. */
const LEASE_MS = 100;

/** Tokens taken at once: a hundredth of a second's worth, 1 to 100. */
export function leaseSize(limit: RateLimit): number {
  return Math.max(1, Math.min(100, Math.floor(limit.ratePerSecond / 100), limit.burst));
}

export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

type TakeRedis = Redis & { orderflowRateTake(key: string, rate: number, burst: number, want: number): Promise<[number, number]> };

/** `granted`: tokens Redis gave (absent when it was unreachable and the request went through). */
type TakeResult = RateDecision & { granted?: number };

interface Lease {
  tokens: number;
  expiresAt: number;
}

export class ApiKeyRateLimiter {
  private readonly redis: TakeRedis;
  private readonly leases = new Map<string, Lease>();
  /** One script in flight per key: requests arriving meanwhile wait for its lease. */
  private readonly refills = new Map<string, Promise<TakeResult>>();

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
    const lease = leaseSize(limit);
    if (lease === 1) return this.takeFromRedis(keyId, limit, 1);
    for (;;) {
      if (this.spendLeased(keyId)) return { allowed: true };
      let refill = this.refills.get(keyId);
      if (!refill) {
        refill = this.takeFromRedis(keyId, limit, lease).finally(() => this.refills.delete(keyId));
        this.refills.set(keyId, refill);
      }
      const decision = await refill;
      // Refused, or Redis unreachable (fail open); else spend from the new lease, or wait for the next.
      if (!decision.allowed || decision.granted === undefined) return decision;
    }
  }

  private spendLeased(keyId: string): boolean {
    const lease = this.leases.get(keyId);
    if (!lease || lease.tokens < 1 || lease.expiresAt <= Date.now()) return false;
    lease.tokens--;
    return true;
  }

  /** Takes up to `want` tokens from the bucket in Redis; more than one become this instance's lease. */
  private async takeFromRedis(keyId: string, limit: RateLimit, want: number): Promise<TakeResult> {
    try {
      const [granted, waitMs] = await this.redis.orderflowRateTake(`orderflow:rate:{${keyId}}`, limit.ratePerSecond, limit.burst, want);
      if (granted < 1) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      if (want > 1) {
        if (this.leases.size >= 10_000) this.leases.clear();
        this.leases.set(keyId, { tokens: granted, expiresAt: Date.now() + LEASE_MS });
      }
      return { allowed: true, granted };
    } catch (error) {
      this.onRedisError(error);
      return { allowed: true };
    }
  }
}
