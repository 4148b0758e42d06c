import { AppConfig, ConfigError } from '@orderflow/config/app-config';
import { scrubSecrets } from '@orderflow/observability/secret-scrubber';
import { loadAppConfig } from '@orderflow/secrets/app-secrets';
import { createLogger } from '@orderflow/observability/logger';
import { startRouter } from '@orderflow/release/router/router-app';

/**
 * The router: `npm run start:router`. nginx on PORT in front of the API instances of the
 * registry, routed by route token, plus the canary analysis (libs/release/src/router).
 */
async function main() {
  process.env.ORDERFLOW_APP ??= 'router';
  let config;
  try {
    // The environment plus the router's secret bundles (SECRETS_BUNDLES), validated together.
    ({ config } = await loadAppConfig(['DATABASE_URL', 'REDIS_URL', 'PORT'], { app: 'router' }).catch((error: unknown) => {
      if (error instanceof ConfigError) throw new ConfigError([...error.problems, ...routerProblems(undefined)]);
      throw error;
    }));
    const problems = routerProblems(config);
    if (problems.length) throw new ConfigError(problems);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`router: ${scrubSecrets(error.message)}\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, { app: 'router' });
  let router: Awaited<ReturnType<typeof startRouter>>;
  try {
    router = await startRouter(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'router failed to start');
    process.exit(1);
  }
  logger.info({ url: router.url, runtimeDir: config.router.runtimeDir }, 'router listening');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info(`router received ${signal}, stopping nginx gracefully`);
    router.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'router shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // nginx gone on its own: the router cannot route; exit so the supervisor restarts us.
  void router.exited?.then(() => {
    if (!stopping) {
      logger.fatal('nginx exited unexpectedly');
      process.exit(1);
    }
  });
}

void main();

/** What the router needs beyond the common configuration; named with every other problem. */
function routerProblems(config: AppConfig | undefined): string[] {
  const problems: string[] = [];
  if (config ? config.release.routeTokenKeys.length === 0 : !process.env.ROUTE_TOKEN_KEYS && !process.env.ROUTE_TOKEN_KEYS_FILE && !process.env.SECRETS_BUNDLES) {
    problems.push('ROUTE_TOKEN_KEYS: is required by the router (kid:secret,...)');
  }
  if (process.env.PORT === '0') problems.push('PORT: the router needs a fixed port');
  return problems;
}
