import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@orderflow/config/app-config';
import { createHttpApp } from '@orderflow/http/http-app';
import { WorkerModule } from './worker.module';

/** Builds the worker app without listening. */
export async function createWorkerApp(config: AppConfig): Promise<NestFastifyApplication> {
  return createHttpApp(WorkerModule.forConfig(config));
}
