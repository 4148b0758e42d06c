import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '@orderflow/config/app-config';
import { ConfigModule } from '@orderflow/config/config.module';
import { ApiKeyGuard } from '@orderflow/http/auth';
import { HealthController } from '@orderflow/http/health';
import { MetricsController } from '@orderflow/http/metrics.controller';
import { loggerParams } from '@orderflow/http/http-app';
import { OrdersModule } from '@orderflow/orders/orders.module';

/** The SQS worker: order processing plus its own health and metrics endpoints on PORT. */
@Module({})
export class WorkerModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(loggerParams(config, 'worker')), OrdersModule],
      controllers: [HealthController, MetricsController],
      providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }],
    };
  }
}
