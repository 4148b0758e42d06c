import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { InstanceRegistrationModule } from '@orderflow/release/instance-registration.module';
import { DataSource } from 'typeorm';
import { AppConfig, requiredSetting } from '@orderflow/config/app-config';
import { APP_CONFIG, ConfigModule } from '@orderflow/config/config.module';
import { ApiKeyGuard } from '@orderflow/http/auth';
import { HealthController } from '@orderflow/http/health';
import { MetricsController } from '@orderflow/http/metrics.controller';
import { loggerParams } from '@orderflow/http/http-app';
import { ApiKeyVerifier } from '@orderflow/auth/api-key-verifier';
import { HEALTH_CHECKS, HealthCheck } from '@orderflow/observability/health-check';
import { createDataSource } from '@orderflow/persistence/data-source';
import { ReplicaStatusRepository, assertLagWithin } from '@orderflow/reporting/replica-status';
import { ReportsService } from '@orderflow/reporting/reports.service';
import { ReportsController } from './reports.controller';

export const REPLICA_DB = Symbol('REPLICA_DB');

/**
 * The reporting service: reads the streaming replica only, never the primary. Its configuration
 * has no primary URL at all; in production DATABASE_REPLICA_URL names the SELECT-only role
 * orderflow_reporting (docs/reporting.md).
 */
@Module({})
export class ReportingModule implements OnApplicationShutdown {
  constructor(@Inject(REPLICA_DB) private readonly replica: DataSource) {}

  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: ReportingModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(loggerParams(config, 'reporting')), InstanceRegistrationModule.forService('reporting')],
      controllers: [ReportsController, HealthController, MetricsController],
      providers: [
        {
          provide: REPLICA_DB,
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) =>
            createDataSource({
              url: requiredSetting(c.databaseReplicaUrl, 'DATABASE_REPLICA_URL'),
              poolSize: c.databasePoolSize,
              applicationName: 'orderflow-reporting',
              password: () => c.credentials.password('DATABASE_REPLICA_URL'),
              connection: c.database,
            }).initialize(),
        },
        { provide: ApiKeyVerifier, inject: [REPLICA_DB], useFactory: (db: DataSource) => new ApiKeyVerifier(db) },
        { provide: ReportsService, inject: [REPLICA_DB], useFactory: (db: DataSource) => new ReportsService(db) },
        {
          provide: HEALTH_CHECKS,
          inject: [REPLICA_DB, APP_CONFIG],
          useFactory: (db: DataSource, c: AppConfig): HealthCheck[] => {
            const status = new ReplicaStatusRepository();
            // Not ready when the replica lags more than the bound: a balancer then stops sending reports here.
            return [{ name: 'replica', check: async () => assertLagWithin(await status.read(db.manager), c.reporting.maxReplicaLagSeconds) }];
          },
        },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.replica.destroy().catch(() => undefined);
  }
}
