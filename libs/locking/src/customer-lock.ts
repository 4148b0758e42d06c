import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChainableCommander, Redis } from 'ioredis';
import { Lock, Redlock } from '@sesamecare-oss/redlock';
import { KeyedMutex } from './keyed-mutex';
import { SameTurnPipeline } from './same-turn-pipeline';
import { drawTokenArgs, drawTokenLua, fenceKey, tokenOf } from './fence-token';
import { LockReleaseSignals, ReleaseListener, releaseChannel } from './lock-release-signals';

export interface LockLease {
  /** Monotonic per customer; PostgreSQL refuses a commit carrying an older token than it has seen. */
  fenceToken: string;
  /** Aborted when the lock could not be extended: the work must not commit. */
  signal: AbortSignal;
  waitedMs: number;
}

export class LockUnavailableError extends Error {
  constructor(customerId: string, cause?: unknown) {
    super(`could not lock customer ${customerId}`, { cause });
    this.name = 'LockUnavailableError';
  }
}

export interface CustomerLockOptions {
  ttlMs: number;
  waitTimeoutMs: number;
  /** Wakes a waiter when the holder lets go; without it (or while it is down) waiters poll every 10-20 ms. */
  releases?: LockReleaseSignals;
  /** How often a waiter woken by `releases` still tries (a holder that died releases nothing): 100-200 ms by default. */
  releasedPollMs?: number;
}

/**
 * Takes the lock (SET NX PX, as redlock's acquire does, with a random value) and draws the
 * fencing token in the same script: one round trip. Both keys carry the customer as hash tag, so
 * they share a Redis Cluster slot. Returns false when someone else holds the lock.
 */
const ACQUIRE_AND_FENCE_SCRIPT = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
${drawTokenLua(2, 3)}`;

/**
 * Deletes the lock only if it is still the holder's (its random value), as redlock's release
 * does, and tells the waiters (LockReleaseSignals) on the customer's channel.
 */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], '1')
return 1`;

type LockCommands = {
  orderflowAcquireAndFence(lockKey: string, fenceKey: string, value: string, ttlMs: string, nowEpoch: string, counterLimit: string): unknown;
  orderflowReleaseLock(lockKey: string, value: string, channel: string): unknown;
};

/** redlock's default clock drift allowance: a lock is taken to expire this much before its TTL. */
const DRIFT_FACTOR = 0.01;

/**
 * The per-customer lock that makes one customer's work sequential across every instance: a lock
 * in Redis taken together with its fencing token, extended while the work runs by redlock
 * (single-instance redlock: the lock is a key with a random value), and released by a script that
 * deletes it only if it still holds that value.
 */
export class CustomerLock {
  private readonly redlock: Redlock;
  private readonly local = new KeyedMutex();
  private readonly retryDelayMs = 10;
  private readonly releasedPollMs: number;

  /** The acquire and release scripts of locks taken or let go together travel as one pipeline. */
  private readonly scripts: SameTurnPipeline;

  constructor(
    redis: Redis,
    private readonly options: CustomerLockOptions,
  ) {
    this.scripts = new SameTurnPipeline(redis);
    this.releasedPollMs = options.releasedPollMs ?? 100;
    if (typeof (redis as Redis & Partial<LockCommands>).orderflowAcquireAndFence !== 'function') {
      redis.defineCommand('orderflowAcquireAndFence', { numberOfKeys: 2, lua: ACQUIRE_AND_FENCE_SCRIPT });
      redis.defineCommand('orderflowReleaseLock', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    }
    // redlock's scripts SELECT `db` themselves (default 0): the lock key must be where the acquire script put it.
    this.redlock = new Redlock([redis], { db: redis.options.db ?? 0, retryCount: 0, automaticExtensionThreshold: 500 });
    // Failed extensions are reported through the lease's signal, not as unhandled events.
    this.redlock.on('error', () => undefined);
  }

  async withLock<T>(customerId: string, work: (lease: LockLease) => Promise<T>): Promise<T> {
    const started = performance.now();
    return this.local.run(customerId, async () => {
      const { lock, fenceToken } = await this.acquire(customerId, this.options.ttlMs);
      const controller = new AbortController();
      const extender = this.keepExtended(lock, controller);
      try {
        return await work({ fenceToken, signal: controller.signal, waitedMs: performance.now() - started });
      } finally {
        extender.stop();
        // A lock that expired is simply gone; fencing already kept its holder from committing.
        await this.release(customerId, lock);
      }
    });
  }

  /** Acquires a lock with a caller-chosen TTL and no extension: for tests of expiry and fencing. */
  async acquireUnextended(customerId: string, ttlMs: number): Promise<{ fenceToken: string; release(): Promise<void> }> {
    const { lock, fenceToken } = await this.acquire(customerId, ttlMs);
    return { fenceToken, release: () => this.release(customerId, lock) };
  }

  /** Lets go of the lock if it is still this holder's; a failure leaves it to expire. */
  private async release(customerId: string, lock: Lock): Promise<void> {
    await this.scripts
      .run((pipeline) => (pipeline as ChainableCommander & LockCommands).orderflowReleaseLock(lock.resources[0], lock.value, releaseChannel(customerId)))
      .catch(() => undefined);
  }

  /**
   * Tries until the wait timeout. With release signals a waiter tries again when the holder lets
   * go (and every 100-200 ms for a holder that died); without them, or while they are down,
   * every 10-20 ms (redlock's retry delay and jitter).
   */
  private async acquire(customerId: string, ttlMs: number): Promise<{ lock: Lock; fenceToken: string }> {
    const key = lockKey(customerId);
    // Unguessable and unique per holder, like redlock's randomBytes(16), from the entropy Node
    // draws in advance for UUIDs (about 0.2 µs here, against 5.5 µs for randomBytes).
    const value = randomUUID();
    const deadline = performance.now() + this.options.waitTimeoutMs;
    let listener: ReleaseListener | null | undefined;
    try {
      for (;;) {
        const attemptedAt = Date.now();
        let drawn: [string, number] | null;
        try {
          drawn = await this.scripts.run<[string, number] | null>((pipeline) =>
            (pipeline as ChainableCommander & LockCommands).orderflowAcquireAndFence(key, fenceKey(customerId), value, String(ttlMs), ...drawTokenArgs()),
          );
        } catch (error) {
          throw new LockUnavailableError(customerId, error);
        }
        if (drawn) {
          const expiration = attemptedAt + ttlMs - (Math.round(DRIFT_FACTOR * ttlMs) + 2);
          return { lock: new Lock(this.redlock, [key], value, [], expiration), fenceToken: tokenOf(drawn) };
        }
        const left = deadline - performance.now();
        if (left <= 0) throw new LockUnavailableError(customerId);
        if (listener === undefined && this.options.releases) {
          // Tried again at once: the holder may have let go before the subscription was heard.
          listener = await this.options.releases.listen(customerId);
          if (listener) continue;
        }
        if (listener) await listener.next(Math.min(left, this.releasedPollMs * (1 + Math.random())));
        else await sleep(this.retryDelayMs + Math.random() * this.retryDelayMs);
      }
    } finally {
      listener?.close();
    }
  }

  private keepExtended(initial: Lock, controller: AbortController): { stop(): void } {
    let lock = initial;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const schedule = () => {
      // Extend when two thirds of the TTL are left, so one failed attempt still leaves time.
      const delay = Math.max(0, lock.expiration - Date.now() - (this.options.ttlMs * 2) / 3);
      timer = setTimeout(extend, delay);
    };
    const extend = async () => {
      try {
        lock = await this.redlock.extend(lock, this.options.ttlMs, { retryCount: 0 });
        if (!stopped) schedule();
      } catch (error) {
        if (stopped) return;
        if (lock.expiration > Date.now() + 200) timer = setTimeout(extend, 100);
        else controller.abort(new LockUnavailableError(lock.resources[0], error));
      }
    };
    schedule();
    return {
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }
}

/** The Redis key of a customer's lock. */
export function lockKey(customerId: string): string {
  return `orderflow:lock:customer:{${customerId}}`;
}
