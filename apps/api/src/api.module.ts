import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type Redis from 'ioredis';
import { LoggerModule } from 'nestjs-pino';
import { InstanceRegistrationModule } from '@orderflow/release/instance-registration.module';
import { AppConfig } from '@orderflow/config/app-config';
import { APP_CONFIG, ConfigModule } from '@orderflow/config/config.module';
import { ApiKeyGuard, RATE_LIMITER } from '@orderflow/http/auth';
import { ApiKeyRateLimiter } from '@orderflow/auth/rate-limiter';
import { HealthController } from '@orderflow/http/health';
import { MetricsController } from '@orderflow/http/metrics.controller';
import { loggerParams } from '@orderflow/http/http-app';
import { HEALTH_CHECKS, HealthCheck } from '@orderflow/observability/health-check';
import { CORE_HEALTH_CHECKS, OrdersModule } from '@orderflow/orders/orders.module';
import { PRIMARY_DB } from '@orderflow/persistence/persistence.module';
import { REDIS } from '@orderflow/locking/locking.module';
import { AuthModule } from '@orderflow/auth/auth.module';
import { MaintenanceSwitch } from '@orderflow/orders/maintenance-switch';
import { OrderIntakeService } from '@orderflow/orders/order-intake.service';
import { OrderProcessingService } from '@orderflow/orders/order-processing.service';
import { ORDER_QUEUE, OrderQueue } from '@orderflow/orders/order-queue.port';
import { MessagingModule } from '@orderflow/messaging/messaging.module';
import { OrdersController } from './orders.controller';
import { AdminController } from './admin.controller';
import { MaintenanceController } from './maintenance.controller';
import { SessionController } from './session.controller';
import { ReleasesController } from './releases.controller';
import { AuditController } from './audit.controller';
import { AuditLogService } from '@orderflow/release/audit-log.service';
import { InstanceRegistry } from '@orderflow/release/instance-registry';
import { ReleaseService } from '@orderflow/release/release.service';
import { DataSource } from 'typeorm';

@Module({})
export class ApiModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(MaintenanceSwitch) private readonly maintenance: MaintenanceSwitch) {}

  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(loggerParams(config, 'api')), OrdersModule, AuthModule, MessagingModule, InstanceRegistrationModule.forService('api')],
      controllers: [
        OrdersController,
        AdminController,
        MaintenanceController,
        SessionController,
        ReleasesController,
        AuditController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        {
          provide: RATE_LIMITER,
          inject: [REDIS, APP_CONFIG],
          useFactory: (redis: Redis, c: AppConfig) => new ApiKeyRateLimiter(redis, c.rateLimit),
        },
        {
          provide: InstanceRegistry,
          inject: [REDIS, APP_CONFIG],
          useFactory: (redis: Redis, c: AppConfig) => new InstanceRegistry(redis, c.release.instanceTtlSeconds),
        },
        {
          provide: ReleaseService,
          inject: [PRIMARY_DB, InstanceRegistry],
          useFactory: (db: DataSource, registry: InstanceRegistry) =>
            new ReleaseService(db, async (service) => (await registry.list(service)).map((instance) => instance.version)),
        },
        { provide: AuditLogService, inject: [PRIMARY_DB], useFactory: (db: DataSource) => new AuditLogService(db) },
        {
          provide: MaintenanceSwitch,
          inject: [REDIS, APP_CONFIG],
          useFactory: (redis: Redis, c: AppConfig) => new MaintenanceSwitch(redis, c.maintenanceMode),
        },
        {
          provide: OrderIntakeService,
          inject: [OrderProcessingService, ORDER_QUEUE, MaintenanceSwitch],
          useFactory: (processing: OrderProcessingService, queue: OrderQueue | null, maintenance: MaintenanceSwitch) =>
            new OrderIntakeService(processing, queue, maintenance),
        },
        {
          // Ready means able to take orders: processing (PostgreSQL, Redis) is checked, and the
          // queue is reported so that operators see whether the fallback path is available.
          provide: HEALTH_CHECKS,
          inject: [CORE_HEALTH_CHECKS, ORDER_QUEUE],
          useFactory: (core: HealthCheck[], queue: OrderQueue | null): HealthCheck[] =>
            queue ? [...core, { name: 'ordersQueue', check: () => queue.ping() }] : core,
        },
      ],
    };
  }

  onApplicationBootstrap(): void {
    this.maintenance.start();
  }

  onApplicationShutdown(): void {
    this.maintenance.stop();
  }
}
