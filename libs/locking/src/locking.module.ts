import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { AppConfig, requiredSetting } from '@orderflow/config/app-config';
import { CustomerLock } from './customer-lock';
import { LockReleaseSignals } from './lock-release-signals';
import { createRedis, waitForRedis } from './redis-connection';

export const REDIS = Symbol('REDIS');
/** The connection that listens for lock releases (a subscribed connection runs nothing else). */
const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');

/** A Redis that is down does not stop the start: commands fail fast until it is back. */
async function openRedis(config: AppConfig): Promise<Redis> {
  const redis = createRedis(requiredSetting(config.redisUrl, 'REDIS_URL'), config.credentials);
  await waitForRedis(redis);
  return redis;
}

const customerLock = (redis: Redis, subscriber: Redis, config: AppConfig) =>
  new CustomerLock(redis, { ttlMs: config.lockTtlMs, waitTimeoutMs: config.lockWaitTimeoutMs, releases: new LockReleaseSignals(subscriber) });

/** The app's Redis connections and the per-customer lock on them; disconnected on shutdown. */
@Module({
  providers: [
    { provide: REDIS, inject: [APP_CONFIG], useFactory: openRedis },
    { provide: REDIS_SUBSCRIBER, inject: [APP_CONFIG], useFactory: openRedis },
    { provide: CustomerLock, inject: [REDIS, REDIS_SUBSCRIBER, APP_CONFIG], useFactory: customerLock },
  ],
  exports: [REDIS, CustomerLock],
})
export class LockingModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: Redis,
  ) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
    this.subscriber.disconnect();
  }
}
