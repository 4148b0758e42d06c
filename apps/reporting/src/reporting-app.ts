import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@orderflow/config/app-config';
import { createHttpApp } from '@orderflow/http/http-app';
import { ReportingModule } from './reporting.module';

/** Builds the reporting app without listening. */
export async function createReportingApp(config: AppConfig): Promise<NestFastifyApplication> {
  return createHttpApp(ReportingModule.forConfig(config), config);
}
