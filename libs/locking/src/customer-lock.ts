import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { KeyedMutex } from './keyed-mutex';
import { LockRedis, lockKey, tryAcquire, withLockScripts } from './lock-scripts';

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
}

interface HeldLock {
  customerId: string;
  owner: string;
  /** Conservative: from before the acquiring call was sent, minus clock drift. */
  expiration: number;
}

const RETRY_DELAY_MS = 10;

/**
 * The per-customer lock that makes one customer's work sequential across every instance: a
 * single-instance Redis lock (SET NX PX with a random owner, the redlock algorithm for one node),
 * extended while the work runs, released at the end. Acquire + fencing token, extend and release
 * are one Lua script each (lock-scripts.ts), so an order costs two Redis round trips; redlock
 * itself needs a second round trip for the token.
 */
export class CustomerLock {
  private readonly local = new KeyedMutex();
  private readonly redis: LockRedis;

  constructor(
    redis: Redis,
    private readonly options: CustomerLockOptions,
  ) {
    this.redis = withLockScripts(redis);
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
        await this.release(lock);
      }
    });
  }

  /** Acquires a lock with a caller-chosen TTL and no extension: for tests of expiry and fencing. */
  async acquireUnextended(customerId: string, ttlMs: number): Promise<{ fenceToken: string; release(): Promise<void> }> {
    const { lock, fenceToken } = await this.acquire(customerId, ttlMs);
    return { fenceToken, release: () => this.release(lock) };
  }

  /** Retries every 10-20 ms while another instance holds the customer, up to waitTimeoutMs. */
  private async acquire(customerId: string, ttlMs: number): Promise<{ lock: HeldLock; fenceToken: string }> {
    const owner = randomBytes(16).toString('hex');
    const deadline = Date.now() + this.options.waitTimeoutMs;
    for (;;) {
      const sentAt = Date.now();
      let attempt;
      try {
        attempt = await tryAcquire(this.redis, customerId, owner, ttlMs);
      } catch (error) {
        throw new LockUnavailableError(customerId, error);
      }
      if ('fenceToken' in attempt) {
        // Redlock's drift allowance: the lock counts as lost a little before Redis expires it.
        const expiration = sentAt + ttlMs - Math.ceil(ttlMs * 0.01) - 2;
        return { lock: { customerId, owner, expiration }, fenceToken: attempt.fenceToken };
      }
      if (Date.now() + RETRY_DELAY_MS > deadline) throw new LockUnavailableError(customerId);
      await sleep(RETRY_DELAY_MS + Math.random() * RETRY_DELAY_MS);
    }
  }

  private async release(lock: HeldLock): Promise<void> {
    await this.redis.orderflowLockRelease(lockKey(lock.customerId), lock.owner).catch(() => undefined);
  }

  private keepExtended(lock: HeldLock, controller: AbortController): { stop(): void } {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const ttlMs = this.options.ttlMs;
    const schedule = () => {
      // Extend when two thirds of the TTL are left, so one failed attempt still leaves time.
      const delay = Math.max(0, lock.expiration - Date.now() - (ttlMs * 2) / 3);
      timer = setTimeout(extend, delay);
    };
    const extend = async () => {
      const sentAt = Date.now();
      try {
        const extended = await this.redis.orderflowLockExtend(lockKey(lock.customerId), lock.owner, ttlMs);
        if (stopped) return;
        // The key is gone or someone else's: the lock was lost, the work must not commit.
        if (extended !== 1) return controller.abort(new LockUnavailableError(lock.customerId));
        lock.expiration = sentAt + ttlMs - Math.ceil(ttlMs * 0.01) - 2;
        schedule();
      } catch (error) {
        if (stopped) return;
        if (lock.expiration > Date.now() + 200) timer = setTimeout(extend, 100);
        else controller.abort(new LockUnavailableError(lock.customerId, error));
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
