import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '@orderflow/config/app-config';
import { ConnectionCredentials } from '@orderflow/config/connection-credentials';
import { createDataSource } from '@orderflow/persistence/data-source';

export type PrimaryDataSource = DataSource & {
  /** Resolves once connected. */
  connected: Promise<void>;
  stopConnecting(): void;
};

/**
 * Connects to the primary database without making it a condition of starting: if PostgreSQL is
 * down (maintenance), the app starts anyway, keeps retrying in the background, and until then
 * every query fails as transient, so the API queues orders (202) and the worker retries.
 */
export function connectPrimary(config: AppConfig, applicationName: string): PrimaryDataSource {
  const logger = new Logger('Database');
  const dataSource = createDataSource({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    applicationName,
    password: () => config.credentials.password('DATABASE_URL'),
    connection: config.database,
  });
  let stopped = false;
  const connect = async (attempt: number): Promise<void> => {
    if (stopped) return;
    try {
      await dataSource.initialize();
    } catch (error) {
      if (attempt === 1) logger.warn(`PostgreSQL unreachable (${(error as Error).message}); retrying in the background`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * attempt, 5000)).unref());
      return connect(attempt + 1);
    }
  };
  const connected = connect(1);
  return Object.assign(dataSource, {
    connected,
    stopConnecting: () => void (stopped = true),
  });
}


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
