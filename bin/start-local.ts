import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApiKey } from '@orderflow/auth/api-key-admin';
import { SCOPES } from '@orderflow/auth/api-key';
import { redactUrl } from '@orderflow/config/app-config';
import { installCleanupHandlers } from '@orderflow/devstack/local-stack';
import { AppProcess } from '@orderflow/harness/app-process';
import { startOrAttachServices } from '@orderflow/harness/services';
import { createDataSource } from '@orderflow/persistence/data-source';
import { runMigrations } from '@orderflow/persistence/migrate';
import { writeLocalBundles } from '@orderflow/secrets/local-bundles';

/**
 * `npm start`: the whole system on one machine. Every service whose URL is not configured is
 * started here (PostgreSQL primary + streaming replica, Redis, the SQS/S3 emulator); then the
 * schema is migrated, a development API key created, and one API, worker and reporting
 * instance started. Ctrl-C stops everything this started.
 */
const APPS = [
  // The router takes the API's public port; the API instance itself listens behind it.
  { name: 'router', offset: 0, health: '/router/health' },
  { name: 'api', offset: 3, health: '/health/ready' },
  { name: 'worker', offset: 1, health: '/health/ready' },
  { name: 'reporting', offset: 2, health: '/health/ready' },
] as const;

/**
 * The variables each app gets from its encrypted bundle instead of its environment. Any
 * variable can go in a bundle: add it here (and keep it out of `env` below).
 */
const APP_SECRETS: Record<(typeof APPS)[number]['name'], string[]> = {
  router: ['DATABASE_URL', 'REDIS_URL', 'ROUTE_TOKEN_KEYS'],
  api: ['DATABASE_URL', 'REDIS_URL', 'ROUTE_TOKEN_KEYS'],
  worker: ['DATABASE_URL', 'REDIS_URL'],
  reporting: ['DATABASE_REPLICA_URL'],
};
const SECRET_NAMES = new Set(Object.values(APP_SECRETS).flat());
const SECRETS_BUCKET = 'orderflow-secrets';

/** The children's environment: ours without any secret (nor a file naming one), plus theirs. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, ...extra })) {
    if (value !== undefined && !SECRET_NAMES.has(name) && !SECRET_NAMES.has(name.replace(/_FILE$/, ''))) env[name] = value;
  }
  return env;
}

async function main() {
  const root = resolve(process.env.ORDERFLOW_HOME ?? '.orderflow');
  const logDir = join(root, 'logs');
  mkdirSync(logDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const children: AppProcess[] = [];
  const stopAll = async () => {
    // The router first, so that it sends nothing more to instances on their way out.
    await stopChild(children[0]);
    await Promise.all(children.map(stopChild));
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  installCleanupHandlers(stopAll);

  const log = (line: string) => process.stdout.write(`${line}\n`);
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const services = await startOrAttachServices({ rootDir: root, logDir, attach: 'each', buckets: [SECRETS_BUCKET], log });
  stops.push(() => services.stop());
  const env: Record<string, string> = { ...services.env };
  const localS3 = services.sqs?.endpoint;
  if (localS3) {
    // The emulator takes any credentials; the SDK, writing the bundles below, insists on some.
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  }
  env.AWS_REGION = region;

  log('migrating the schema...');
  await runMigrations(env.DATABASE_URL);
  const db = await createDataSource({ url: env.DATABASE_URL, poolSize: 1, applicationName: 'orderflow-start' }).initialize();
  const { key } = await createApiKey(db, 'local development', [...SCOPES]);
  await db.destroy();

  // Route tokens: a development signing key of this run. Like the other secrets it reaches the
  // API and the router only inside their encrypted bundles, never their environment or a file.
  env.ROUTE_TOKEN_KEYS = `local:${randomBytes(32).toString('base64url')}`;
  env.ROUTER_RUNTIME_DIR = join(root, 'router');

  // The apps' secrets go into encrypted bundles (in the local S3 when it runs here, else beside
  // the key under the state folder); the apps get only where the bundles and the key are.
  const bundleEnvs = await writeLocalBundles({
    stateDir: root,
    environment: 'local',
    s3: localS3 ? { endpoint: localS3, region, bucket: SECRETS_BUCKET } : undefined,
    apps: Object.fromEntries(Object.entries(APP_SECRETS).map(([app, names]) => [app, new Map(names.map((name) => [name, env[name]]))])),
  });

  // What `npm run release`, a second API version and the other CLIs need, for `. .orderflow/local.env`:
  // the addresses of what was started here (the local PostgreSQL and Redis have no passwords), no secret.
  const localEnv = join(root, 'local.env');
  const started = Object.entries(env).filter(([name]) => process.env[name] === undefined && name !== 'ROUTE_TOKEN_KEYS');
  writeFileSync(localEnv, started.map(([name, value]) => `${name}=${value}`).join('\n') + '\n', { mode: 0o600 });

  const basePort = Number(process.env.PORT ?? 3000);
  const urls: Record<string, string> = {};
  await Promise.all(
    APPS.map(async (app, index) => {
      const child = await AppProcess.start({
        kind: app.name,
        name: app.name,
        env: childEnv({ ...env, ...bundleEnvs[app.name] }),
        port: basePort + app.offset,
        logDir,
        readyPath: app.health,
      });
      children[index] = child;
      void child.exited.then(({ code, signal }) => {
        if (!shuttingDown) log(`${app.name} exited (${signal ?? code}); see ${child.logFile}`);
      });
      urls[app.name] = child.url;
    }),
  );

  log(`
Orderflow is running.
  API         ${urls.router}        (docs ${urls.router}/docs, OpenAPI ${urls.router}/openapi.json)
              through the router (nginx, ${join(root, 'router')}) to the API instance at ${urls.api}
  worker      ${urls.worker}     (health and metrics)
  reporting   ${urls.reporting}
  PostgreSQL  ${redactUrl(env.DATABASE_URL)} (replica ${redactUrl(env.DATABASE_REPLICA_URL)})
  Redis       ${redactUrl(env.REDIS_URL)}
  SQS/S3      ${env.SQS_ENDPOINT ?? 'AWS'}  orders queue ${env.ORDERS_QUEUE_URL}
  secrets     ${Object.values(bundleEnvs).map((e) => e.SECRETS_BUNDLES).join(', ')} (key ${join(root, 'secrets', 'local.key')})
  logs        ${logDir}/*.log, router access log ${join(root, 'router', 'logs', 'access.log')}
  environment ${localEnv} (\`set -a; . ${localEnv}; set +a\` for npm run release, a second API version...)
Press Ctrl-C to stop everything.

Development API key (all scopes):
${key}`);
}

let shuttingDown = false;

async function stopChild(child: AppProcess | undefined): Promise<void> {
  shuttingDown = true;
  await child?.stop(35_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.kill(process.pid, 'SIGTERM');
});
