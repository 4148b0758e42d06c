import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { AppConfig } from '@orderflow/config/app-config';
import { CustomerLock } from './customer-lock';
import { createRedis, waitForRedis } from './redis-connection';

export const REDIS = Symbol('REDIS');

/** The app's Redis connection and the per-customer lock on it; disconnected on shutdown. */
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const redis = createRedis(config.redisUrl, config.credentials);
        await waitForRedis(redis);
        return redis;
      },
    },
    {
      provide: CustomerLock,
      inject: [REDIS, APP_CONFIG],
      useFactory: (redis: Redis, config: AppConfig) =>
        new CustomerLock(redis, { ttlMs: config.lockTtlMs, waitTimeoutMs: config.lockWaitTimeoutMs }),
    },
  ],
  exports: [REDIS, CustomerLock],
})
export class LockingModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
