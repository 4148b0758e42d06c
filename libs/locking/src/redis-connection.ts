import Redis from 'ioredis';
import { ConnectionCredentials } from '@orderflow/config/connection-credentials';

/**
 * A Redis client that fails fast while disconnected (no offline queue), so that a request
 * never hangs on a dead Redis: it is retried later or handed to the queue instead. With
 * `credentials`, a rotated password is used from the next (re)connection on: ioredis reads
 * `options.password` each time it connects (it takes no password function, ioredis#1810).
 */
export function createRedis(url: string, credentials?: ConnectionCredentials): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => undefined); // reported by readiness checks and failed commands
  credentials?.onChange('REDIS_URL', (password) => {
    redis.options.password = password;
  });
  return redis;
}

/** Waits (a little) for Redis to be ready; a Redis that is down does not stop the app from starting. */
export async function waitForRedis(redis: Redis, timeoutMs = 3000): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
