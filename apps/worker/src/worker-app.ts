import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@orderflow/config/app-config';
import { createHttpApp } from '@orderflow/http/http-app';
import { isTransientError } from '@orderflow/orders/order-errors';
import { SqsTransport } from '@orderflow/messaging/sqs.transport';
import { WorkerModule } from './worker.module';

/** Builds the worker (HTTP for health and metrics + the SQS transport), consuming once started. */
export async function createWorkerApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(WorkerModule.forConfig(config), config, isTransientError);
  app.connectMicroservice({ strategy: app.get(SqsTransport) }, { inheritAppConfig: false });
  await app.startAllMicroservices();
  return app;
}
