import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '@orderflow/config/app-config';
import { createDataSource } from '@orderflow/persistence/data-source';

/**
 * Connects to the primary database. Retries for a while so that an app started together with
 * its database (compose, local run) waits for it instead of crashing.
 */
export async function connectPrimary(config: AppConfig, applicationName: string, attempts = 30): Promise<DataSource> {
  const dataSource = createDataSource({ url: config.databaseUrl, poolSize: config.databasePoolSize, applicationName });
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.initialize();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/**
 * A Redis client that fails fast while disconnected (no offline queue), so that a request
 * never hangs on a dead Redis: it is retried later or handed to the queue instead.
 */
export function createRedis(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => undefined); // reported by readiness checks and failed commands
  return redis;
}

export async function waitForRedis(redis: Redis, timeoutMs = 30000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Redis not ready in time')), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
