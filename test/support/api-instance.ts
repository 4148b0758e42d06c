import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@orderflow/config/app-config';
import { createApiApp } from '../../apps/api/src/api-app';

export interface ApiInstance {
  url: string;
  app: NestFastifyApplication;
  close(): Promise<void>;
}

/** A full API app in this process, with its own database pool and Redis connection. */
export async function startApiInstance(config: AppConfig): Promise<ApiInstance> {
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, app, close: () => app.close() };
}
