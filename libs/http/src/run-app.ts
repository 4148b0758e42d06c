import { INestApplication } from '@nestjs/common';
import { AppConfig, ConfigError } from '@orderflow/config/app-config';
import { createLogger } from '@orderflow/observability/logger';

/**
 * Entry-point boilerplate shared by the apps: validate configuration (one message naming every
 * bad variable, exit 78), build the app, listen on PORT, and exit non-zero on a failed start.
 */
export async function runApp(name: string, load: () => AppConfig, create: (config: AppConfig) => Promise<INestApplication>) {
  process.env.ORDERFLOW_APP ??= name;
  let config: AppConfig;
  try {
    config = load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, { app: name });
  try {
    const app = await create(config);
    await app.listen(config.port, '0.0.0.0');
    logger.info({ url: await app.getUrl() }, `${name} listening`);
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  }
}
