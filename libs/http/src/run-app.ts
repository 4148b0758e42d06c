import { INestApplication } from '@nestjs/common';
import { AppConfig, ConfigError } from '@orderflow/config/app-config';
import { createLogger } from '@orderflow/observability/logger';
import type { Logger } from 'pino';

/**
 * SIGTERM/SIGINT: close the app (stop taking work, drain, close connections) and exit 0, the
 * way ECS and `npm start` expect; a second signal exits at once.
 */
function exitOnSignals(app: INestApplication, name: string, logger: Logger): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    logger.info(`${name} received ${signal}, shutting down`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, `${name} shutdown failed`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

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
    exitOnSignals(app, name, logger);
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  }
}
