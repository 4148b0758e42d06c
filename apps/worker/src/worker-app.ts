import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@orderflow/config/app-config';
import { createHttpApp } from '@orderflow/http/http-app';
import { isTransientError } from '@orderflow/orders/order-errors';
import { SqsTransport } from '@orderflow/messaging/sqs.transport';
import { WorkerModule } from './worker.module';
import { lowerCpuPriority } from './cpu-priority';

/** Builds the worker (HTTP for health and metrics + the SQS transport), consuming once started. */
export async function createWorkerApp(config: AppConfig): Promise<NestFastifyApplication> {
  // First, so that threads started from here on inherit it (docs/operations.md, "CPU priority").
  const nice = config.worker.cpuNice > 0 ? lowerCpuPriority(config.worker.cpuNice) : null;
  const app = await createHttpApp(WorkerModule.forConfig(config), config, isTransientError);
  app.connectMicroservice({ strategy: app.get(SqsTransport) }, { inheritAppConfig: false });
  await app.startAllMicroservices();
  if (nice !== null) new Logger('Worker').log(`running at CPU niceness ${nice} (WORKER_CPU_NICE=${config.worker.cpuNice})`);
  return app;
}
