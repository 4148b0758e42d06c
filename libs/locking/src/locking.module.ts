import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { AppConfig, requiredSetting } from '@orderflow/config/app-config';
import { CustomerLock } from './customer-lock';
import { createRedis, waitForRedis } from './redis-connection';

export const REDIS = Symbol('REDIS');

/** A Redis that is down does not stop the start: commands fail fast until it is back. */
async function openRedis(config: AppConfig): Promise<Redis> {
  const redis = createRedis(requiredSetting(config.redisUrl, 'REDIS_URL'), config.credentials);
  await waitForRedis(redis);
  return redis;
}

const customerLock = (redis: Redis, config: AppConfig) => new CustomerLock(redis, { ttlMs: config.lockTtlMs, waitTimeoutMs: config.lockWaitTimeoutMs });

/** The app's Redis connection and the per-customer lock on it; disconnected on shutdown. */
@Module({
  providers: [
    { provide: REDIS, inject: [APP_CONFIG], useFactory: openRedis },
    { provide: CustomerLock, inject: [REDIS, APP_CONFIG], useFactory: customerLock },
  ],
  exports: [REDIS, CustomerLock],
})
export class LockingModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
