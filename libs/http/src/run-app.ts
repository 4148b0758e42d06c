import { INestApplication } from '@nestjs/common';
import { AppConfig, ConfigError, ConfigKey } from '@orderflow/config/app-config';
import { createLogger } from '@orderflow/observability/logger';
import { scrubSecrets } from '@orderflow/observability/secret-scrubber';
import { LoadedConfig, loadAppConfig } from '@orderflow/secrets/app-secrets';
import type { Logger } from 'pino';

/**
 * SIGTERM/SIGINT: close the app (stop taking work, drain, close connections) and exit 0, the
 * way ECS and `npm start` expect; a second signal exits at once.
 */
function exitOnSignals(app: INestApplication, name: string, logger: Logger, onClose: () => void): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    logger.info(`${name} received ${signal}, shutting down`);
    onClose();
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

/** The configuration, or exit 78 with one message naming every problem (and no secret value). */
async function configOrExit(name: string, required: readonly ConfigKey[]): Promise<LoadedConfig> {
  try {
    return await loadAppConfig(required, { app: name });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${scrubSecrets(error.message)}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/**
 * Entry-point boilerplate shared by the apps: read the configuration (environment and secret
 * bundles, validated together: one message naming every problem, exit 78), build the app,
 * listen on PORT, keep the bundles refreshed, and exit non-zero on a failed start.
 */
export async function runApp(name: string, required: readonly ConfigKey[], create: (config: AppConfig) => Promise<INestApplication>) {
  process.env.ORDERFLOW_APP ??= name;
  const { config, secrets } = await configOrExit(name, required);
  const logger = createLogger(config.logLevel, { app: name });
  if (secrets) {
    logger.info(
      { bundles: secrets.settings.bundles, variables: secrets.variableNames, loadMs: Math.round(secrets.timings.loadMs * 10) / 10, decryptMs: Math.round(secrets.timings.decryptMs * 10) / 10 },
      'secrets loaded from bundles',
    );
    secrets.startRefreshing(config, logger);
  }
  try {
    const app = await create(config);
    await app.listen(config.port, '0.0.0.0');
    logger.info({ url: await app.getUrl() }, `${name} listening`);
    exitOnSignals(app, name, logger, () => secrets?.stop());
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  }
}
