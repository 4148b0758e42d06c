import { AppConfig } from '@orderflow/config/app-config';
import { runEntryPoint } from '@orderflow/http/run-app';
import { startRouter } from '@orderflow/release/router/router-app';

/**
 * The router: `npm run start:router`. nginx on PORT in front of the API instances of the
 * registry, routed by route token, plus the canary analysis (libs/release/src/router).
 */
void runEntryPoint(
  'router',
  ['DATABASE_URL', 'REDIS_URL', 'PORT'],
  async (config, logger) => {
    const router = await startRouter(config, logger);
    logger.info({ runtimeDir: config.router.runtimeDir }, 'router runtime');
    // nginx gone on its own: the router cannot route; the process exits so the supervisor restarts it.
    return { url: router.url, close: () => router.stop(), exited: router.exited };
  },
  routerProblems,
);

/** What the router needs beyond the common configuration; named with every other problem. */
function routerProblems(config: AppConfig | undefined): string[] {
  const problems: string[] = [];
  if (config ? config.release.routeTokenKeys.length === 0 : !process.env.ROUTE_TOKEN_KEYS && !process.env.ROUTE_TOKEN_KEYS_FILE && !process.env.SECRETS_BUNDLES) {
    problems.push('ROUTE_TOKEN_KEYS: is required by the router (kid:secret,...)');
  }
  if (process.env.PORT === '0') problems.push('PORT: the router needs a fixed port');
  return problems;
}
