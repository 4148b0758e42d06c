import { INestApplication } from '@nestjs/common';
import { AppConfig, ConfigError, ConfigKey } from '@orderflow/config/app-config';
import { createLogger } from '@orderflow/observability/logger';
import { scrubSecrets } from '@orderflow/observability/secret-scrubber';
import { LoadedConfig, loadAppConfig } from '@orderflow/secrets/app-secrets';
import type { Logger } from 'pino';

/** A started app as its entry point sees it. */
export interface RunningApp {
  url: string;
  /** Stop taking work, drain, close connections. */
  close(): Promise<void>;
  /** Resolves if the app stops serving on its own (the router's nginx): the process exits 1. */
  exited?: Promise<unknown>;
}

/** What an app needs beyond the common configuration, named with every other problem (undefined: the configuration did not load). */
export type ExtraConfigProblems = (config: AppConfig | undefined) => string[];

/**
 * SIGTERM/SIGINT: close the app and exit 0, the way ECS and `npm start` expect; a second signal
 * exits at once. An app that stops on its own exits 1, so that its supervisor restarts it.
 */
function exitOnSignals(app: RunningApp, name: string, logger: Logger, onClose: () => void): void {
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
  void app.exited?.then(() => {
    if (closing) return;
    logger.fatal(`${name} stopped serving unexpectedly`);
    process.exit(1);
  });
}

/** The configuration, or exit 78 with one message naming every problem (and no secret value). */
async function configOrExit(name: string, required: readonly ConfigKey[], extraProblems: ExtraConfigProblems): Promise<LoadedConfig> {
  try {
    const loaded = await loadAppConfig(required, { app: name }).catch((error: unknown) => {
      if (error instanceof ConfigError) throw new ConfigError([...error.problems, ...extraProblems(undefined)]);
      throw error;
    });
    const problems = extraProblems(loaded.config);
    if (problems.length) {
      loaded.secrets?.stop();
      throw new ConfigError(problems);
    }
    return loaded;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${scrubSecrets(error.message)}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/**
 * Entry-point boilerplate shared by every app: read the configuration (environment and secret
 * bundles, validated together: one message naming every problem, exit 78), start the app, keep
 * the bundles refreshed (timer and SIGHUP), stop on SIGTERM/SIGINT, and exit non-zero on a
 * failed start.
 */
export async function runEntryPoint(
  name: string,
  required: readonly ConfigKey[],
  start: (config: AppConfig, logger: Logger) => Promise<RunningApp>,
  extraProblems: ExtraConfigProblems = () => [],
): Promise<void> {
  const { config, secrets } = await configOrExit(name, required, extraProblems);
  const logger = createLogger(config.logLevel, { app: name });
  if (secrets) {
    logger.info(
      { bundles: secrets.settings.bundles, variables: secrets.variableNames, loadMs: Math.round(secrets.timings.loadMs * 10) / 10, decryptMs: Math.round(secrets.timings.decryptMs * 10) / 10 },
      'secrets loaded from bundles',
    );
    secrets.startRefreshing(config, logger);
  }
  try {
    const app = await start(config, logger);
    logger.info({ url: app.url }, `${name} listening`);
    exitOnSignals(app, name, logger, () => secrets?.stop());
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  }
}

/** A Nest app's entry point: runEntryPoint, listening on PORT. */
export function runApp(name: string, required: readonly ConfigKey[], create: (config: AppConfig) => Promise<INestApplication>): Promise<void> {
  return runEntryPoint(name, required, async (config) => {
    const app = await create(config);
    await app.listen(config.port, '0.0.0.0');
    return { url: await app.getUrl(), close: () => app.close() };
  });
}
