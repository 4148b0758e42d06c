import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { AppConfig } from '@orderflow/config/app-config';
import { CustomerLock } from '@orderflow/locking/customer-lock';
import { LockingModule, REDIS } from '@orderflow/locking/locking.module';
import { PersistenceModule, PRIMARY_DB } from '@orderflow/persistence/persistence.module';
import { HealthCheck } from '@orderflow/observability/health-check';
import { OrderProcessingService } from './order-processing.service';
import { OrderQueriesService } from './order-queries.service';
import { AccountsService } from './accounts.service';

/** PostgreSQL and Redis checks; each app adds its own to form HEALTH_CHECKS. */
export const CORE_HEALTH_CHECKS = Symbol('CORE_HEALTH_CHECKS');

/** The order services on the primary database and the per-customer lock (re-exported for the apps). */
@Module({
  imports: [PersistenceModule, LockingModule],
  providers: [
    {
      provide: OrderProcessingService,
      inject: [PRIMARY_DB, CustomerLock, APP_CONFIG],
      useFactory: (db: DataSource, lock: CustomerLock, config: AppConfig) => {
        const processing = new OrderProcessingService(db, lock, config.version);
        processing.batchPlacements(config.placementBatch);
        return processing;
      },
    },
    { provide: OrderQueriesService, inject: [PRIMARY_DB], useFactory: (db: DataSource) => new OrderQueriesService(db) },
    { provide: AccountsService, inject: [PRIMARY_DB], useFactory: (db: DataSource) => new AccountsService(db) },
    {
      provide: CORE_HEALTH_CHECKS,
      inject: [PRIMARY_DB, REDIS],
      useFactory: (db: DataSource, redis: Redis): HealthCheck[] => [
        { name: 'postgres', check: async () => void (await db.query('SELECT 1')) },
        { name: 'redis', check: async () => void (await redis.ping()) },
      ],
    },
  ],
  exports: [PersistenceModule, LockingModule, OrderProcessingService, OrderQueriesService, AccountsService, CORE_HEALTH_CHECKS],
})
export class OrdersModule {}
