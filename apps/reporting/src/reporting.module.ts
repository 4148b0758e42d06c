import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { InstanceRegistrationModule } from '@orderflow/release/instance-registration.module';
import { DataSource } from 'typeorm';
import { AppConfig } from '@orderflow/config/app-config';
import { APP_CONFIG, ConfigModule } from '@orderflow/config/config.module';
import { ApiKeyGuard } from '@orderflow/http/auth';
import { HealthController } from '@orderflow/http/health';
import { MetricsController } from '@orderflow/http/metrics.controller';
import { loggerParams } from '@orderflow/http/http-app';
import { AuthModule } from '@orderflow/auth/auth.module';
import { HEALTH_CHECKS, HealthCheck } from '@orderflow/observability/health-check';
import { ReplicaStatusRepository, assertLagWithin } from '@orderflow/reporting/replica-status';
import { ReportsService } from '@orderflow/reporting/reports.service';
import { ReportsController } from './reports.controller';
import { REPLICA_DB, ReplicaDatabaseModule } from './replica-database.module';

/**
 * The reporting service: reads the streaming replica only, never the primary. Its configuration
 * has no primary URL at all; in production DATABASE_REPLICA_URL names the SELECT-only role
 * orderflow_reporting (docs/reporting.md).
 */
@Module({})
export class ReportingModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: ReportingModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config, 'reporting')),
        InstanceRegistrationModule.forService('reporting'),
        ReplicaDatabaseModule,
        AuthModule.forDatabase(REPLICA_DB, ReplicaDatabaseModule),
      ],
      controllers: [ReportsController, HealthController, MetricsController],
      providers: [
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
}
