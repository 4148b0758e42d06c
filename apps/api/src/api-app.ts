import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { AppConfig } from '@orderflow/config/app-config';
import { openApiDocument } from '@orderflow/contracts/openapi';
import { createHttpApp } from '@orderflow/http/http-app';
import { isTransientError } from '@orderflow/orders/order-errors';
import { ApiModule } from './api.module';

/** Builds the API app (routes, OpenAPI at /openapi.json, docs at /docs) without listening. */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(ApiModule.forConfig(config), config, isTransientError);
  SwaggerModule.setup('docs', app, openApiDocument as never, { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
  return app;
}
