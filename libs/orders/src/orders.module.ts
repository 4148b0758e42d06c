import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { AppConfig } from '@orderflow/config/app-config';
import { CustomerLock } from '@orderflow/locking/customer-lock';
import { ApiKeyVerifier } from '@orderflow/auth/api-key-verifier';
import { HealthCheck } from '@orderflow/observability/health-check';
import { OrderProcessingService } from './order-processing.service';
import { OrderQueriesService } from './order-queries.service';
import { AccountsService } from './accounts.service';
import { connectPrimary, createRedis, PrimaryDataSource, waitForRedis } from './infrastructure';

export const PRIMARY_DB = Symbol('PRIMARY_DB');
export const REDIS = Symbol('REDIS');
/** PostgreSQL and Redis checks; each app adds its own to form HEALTH_CHECKS. */
export const CORE_HEALTH_CHECKS = Symbol('CORE_HEALTH_CHECKS');

/** Wires the order services to the primary database and Redis, and closes them on shutdown. */
@Module({
  providers: [
    {
      provide: PRIMARY_DB,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const db = connectPrimary(config, `orderflow-${config.appName}`);
        // Give a database that is up a moment to connect, so that a normal start is ready at once.
        await Promise.race([db.connected, new Promise((resolve) => setTimeout(resolve, 5000))]);
        return db;
      },
    },
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
    {
      provide: OrderProcessingService,
      inject: [PRIMARY_DB, CustomerLock, APP_CONFIG],
      useFactory: (db: DataSource, lock: CustomerLock, config: AppConfig) => new OrderProcessingService(db, lock, config.version),
    },
    { provide: OrderQueriesService, inject: [PRIMARY_DB], useFactory: (db: DataSource) => new OrderQueriesService(db) },
    { provide: AccountsService, inject: [PRIMARY_DB], useFactory: (db: DataSource) => new AccountsService(db) },
    { provide: ApiKeyVerifier, inject: [PRIMARY_DB], useFactory: (db: DataSource) => new ApiKeyVerifier(db) },
    {
      provide: CORE_HEALTH_CHECKS,
      inject: [PRIMARY_DB, REDIS],
      useFactory: (db: DataSource, redis: Redis): HealthCheck[] => [
        { name: 'postgres', check: async () => void (await db.query('SELECT 1')) },
        { name: 'redis', check: async () => void (await redis.ping()) },
      ],
    },
  ],
  exports: [PRIMARY_DB, REDIS, CustomerLock, OrderProcessingService, OrderQueriesService, AccountsService, ApiKeyVerifier, CORE_HEALTH_CHECKS],
})
export class OrdersModule implements OnApplicationShutdown {
  constructor(
    @Inject(PRIMARY_DB) private readonly db: PrimaryDataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.db.stopConnecting();
    if (this.db.isInitialized) await this.db.destroy().catch(() => undefined);
    this.redis.disconnect();
  }
}
