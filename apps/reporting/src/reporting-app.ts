import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { AppConfig } from '@orderflow/config/app-config';
import { createHttpApp } from '@orderflow/http/http-app';
import { isTransientError } from '@orderflow/orders/order-errors';
import { reportingOpenApiDocument } from '@orderflow/reporting/reporting-openapi';
import { ReportingModule } from './reporting.module';

/** Builds the reporting app (routes, OpenAPI at /openapi.json, docs at /docs) without listening. */
export async function createReportingApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(ReportingModule.forConfig(config), config, isTransientError);
  SwaggerModule.setup('docs', app, reportingOpenApiDocument as never, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
  return app;
}
