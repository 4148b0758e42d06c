import { randomUUID } from 'node:crypto';
import { ApiKeyRateLimiter, leaseSize } from '@orderflow/auth/rate-limiter';
import { mediumStack, MediumStack, scriptCalls } from './medium-stack';

/**
 * The per-key token bucket of two API instances sharing one Redis, for a key busy enough that its
 * tokens are leased: the limit holds across both, and Redis runs a script per lease, not per request.
 */
describe('rate limiter leases of a busy key', () => {
  let stack: MediumStack;

  beforeAll(async () => {
    stack = await mediumStack();
  });

  afterAll(async () => {
    await stack.close();
  });

  it('sizes a lease at a hundredth of a second of the rate, 1 for quiet keys, never above the burst', () => {
    expect(leaseSize({ ratePerSecond: 5, burst: 10 })).toBe(1);
    expect(leaseSize({ ratePerSecond: 199, burst: 400 })).toBe(1);
    expect(leaseSize({ ratePerSecond: 2_000, burst: 4_000 })).toBe(20);
    expect(leaseSize({ ratePerSecond: 1_000_000, burst: 1_000_000 })).toBe(100);
    expect(leaseSize({ ratePerSecond: 5_000, burst: 10 })).toBe(10);
  });

  it('keeps one bucket for both instances and asks Redis once per lease', async () => {
    const limit = { ratePerSecond: 2_000, burst: 400 }; // leases of 20
    const instances = [new ApiKeyRateLimiter(stack.redis, null), new ApiKeyRateLimiter(stack.redis, null)];
    const keyId = randomUUID();
    const callsBefore = await scriptCalls(stack);
    const started = Date.now();
    // 1,000 requests at once, half on each instance: far more than the burst.
    const decisions = await Promise.all(Array.from({ length: 1_000 }, (_, i) => instances[i % 2].take(keyId, limit)));
    const elapsedSeconds = (Date.now() - started) / 1000;
    const allowed = decisions.filter((d) => d.allowed).length;
    const scripts = (await scriptCalls(stack)) - callsBefore;

    // The burst plus what refilled meanwhile; each instance's last lease may go unspent.
    expect(allowed).toBeLessThanOrEqual(limit.burst + Math.ceil(elapsedSeconds * limit.ratePerSecond) + 1);
    expect(allowed).toBeGreaterThanOrEqual(limit.burst - 2 * leaseSize(limit));
    // Refused requests carry the wait until the next token.
    const refused = decisions.find((d) => !d.allowed);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // One script per lease of 20 (plus the refusals' scripts, shared by the requests waiting on them).
    expect(scripts).toBeLessThanOrEqual(Math.ceil(allowed / leaseSize(limit)) + 2 * 10);
    expect(scripts).toBeLessThan(allowed / 4);
  });

  it('asks Redis for every request of a quiet key, exactly as before', async () => {
    const limit = { ratePerSecond: 5, burst: 10 };
    const limiter = new ApiKeyRateLimiter(stack.redis, null);
    const keyId = randomUUID();
    const decisions = [];
    for (let i = 0; i < 12; i++) decisions.push(await limiter.take(keyId, limit));
    expect(decisions.slice(0, 10).every((d) => d.allowed)).toBe(true);
    expect(decisions[11]).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});
