import type { Redis } from 'ioredis';
import { Lock, Redlock } from '@sesamecare-oss/redlock';
import { KeyedMutex } from './keyed-mutex';
import { nextFenceToken } from './fence-token';

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

/**
 * The per-customer lock that makes one customer's work sequential across every instance:
 * a redlock lock in Redis, extended while the work runs, released at the end.
 */
export class CustomerLock {
  private readonly redlock: Redlock;
  private readonly local = new KeyedMutex();
  private readonly retryDelayMs = 10;

  constructor(
    private readonly redis: Redis,
    private readonly options: CustomerLockOptions,
  ) {
    this.redlock = new Redlock([redis], {
      retryCount: Math.ceil(options.waitTimeoutMs / this.retryDelayMs),
      retryDelay: this.retryDelayMs,
      retryJitter: this.retryDelayMs,
      automaticExtensionThreshold: 500,
    });
    // Failed extensions are reported through the lease's signal, not as unhandled events.
    this.redlock.on('error', () => undefined);
  }

  async withLock<T>(customerId: string, work: (lease: LockLease) => Promise<T>): Promise<T> {
    const started = performance.now();
    return this.local.run(customerId, async () => {
      const lock = await this.acquire(customerId, this.options.ttlMs);
      const controller = new AbortController();
      const extender = this.keepExtended(lock, controller);
      try {
        const fenceToken = await nextFenceToken(this.redis, customerId);
        return await work({ fenceToken, signal: controller.signal, waitedMs: performance.now() - started });
      } finally {
        extender.stop();
        // A lock that expired is simply gone; fencing already kept its holder from committing.
        await this.redlock.release(lock, { retryCount: 0 }).catch(() => undefined);
      }
    });
  }

  /** Acquires a lock with a caller-chosen TTL and no extension: for tests of expiry and fencing. */
  async acquireUnextended(customerId: string, ttlMs: number): Promise<{ fenceToken: string; release(): Promise<void> }> {
    const lock = await this.acquire(customerId, ttlMs);
    const fenceToken = await nextFenceToken(this.redis, customerId);
    return { fenceToken, release: async () => void (await this.redlock.release(lock, { retryCount: 0 }).catch(() => undefined)) };
  }

  private async acquire(customerId: string, ttlMs: number): Promise<Lock> {
    try {
      return await this.redlock.acquire([lockKey(customerId)], ttlMs);
    } catch (error) {
      throw new LockUnavailableError(customerId, error);
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

function lockKey(customerId: string): string {
  return `orderflow:lock:customer:{${customerId}}`;
}
