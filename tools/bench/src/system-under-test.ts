import { mkdirSync } from 'node:fs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Pool } from 'pg';
import { createApiKey } from '@orderflow/auth/api-key-admin';
import { SCOPES } from '@orderflow/auth/api-key';
import { installCleanupHandlers } from '@orderflow/devstack/local-stack';
import { allLocal, LocalServices, ServiceEnv, startOrAttachServices } from '@orderflow/harness/services';
import { createDataSource } from '@orderflow/persistence/data-source';
import { runMigrations } from '@orderflow/persistence/migrate';
import { AppKind, AppProcess } from '@orderflow/harness/app-process';
import { CpuRole, pidsMatching, processEnvVar } from './cpu-usage';
import { sqsClient } from '@orderflow/harness/order-sender';

export type { ServiceEnv };

export interface SystemUnderTest {
  /** 'local': services started here (and restartable); 'attached': the ones named by the environment. */
  mode: 'local' | 'attached';
  env: ServiceEnv;
  /** The services started here. */
  stack?: LocalServices;
  /** The harness's own connection to the primary: raw limit, seeding, invariant checks. */
  pool: Pool;
  sqs?: SQSClient;
  /** An API key with every scope. */
  apiKey: string;
  logDir: string;
  apps: AppProcess[];
  startApp(kind: AppKind, name: string, opts?: { env?: Record<string, string>; nodeArgs?: string[] }): Promise<AppProcess>;
  cpuRoles(): CpuRole[];
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL (primary + replica), Redis and the SQS emulator on free ports under stackDir,
 * or attaches to the services named by DATABASE_URL, REDIS_URL, SQS_ENDPOINT / ORDERS_QUEUE_URL...
 * (the apps' own variables) when DATABASE_URL is set and `ownStack` is not demanded (the
 * harness's startOrAttachServices). Migrates the schema and creates an API key either way.
 */
export async function startSystem(opts: {
  /** Where a local stack keeps its data (deleted on stop) and service logs: a fresh directory. */
  stackDir: string;
  /** Where the apps' logs go. */
  logDir: string;
  ownStack?: boolean;
  appEnv?: Record<string, string>;
  log?: (line: string) => void;
}): Promise<SystemUnderTest> {
  const { logDir } = opts;
  mkdirSync(logDir, { recursive: true });
  const services = await startOrAttachServices({ rootDir: opts.stackDir, attach: opts.ownStack ? 'none' : 'all', log: opts.log });
  const { env } = services;
  const stack = allLocal(services) ? services : undefined;

  const apps: AppProcess[] = [];
  let pool: Pool | undefined;
  let sqs: SQSClient | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(apps.map((app) => app.stop(15_000).catch(() => undefined)));
      sqs?.destroy();
      await pool?.end().catch(() => undefined);
      await services.stop();
    })());
  installCleanupHandlers(stop);

  try {
    await runMigrations(env.DATABASE_URL);
    const db = await createDataSource({ url: env.DATABASE_URL, poolSize: 1, applicationName: 'orderflow-bench-setup' }).initialize();
    // The harness is the only client and measures the API's limits, not its per-key rate limit.
    const { key: apiKey } = await createApiKey(db, 'bench harness', [...SCOPES], { ratePerSecond: 1_000_000, burst: 1_000_000 });
    await db.destroy();
    pool = new Pool({ connectionString: env.DATABASE_URL, max: 70, application_name: 'orderflow-bench', connectionTimeoutMillis: 5_000, idleTimeoutMillis: 0 });
    pool.on('error', () => undefined); // idle clients lose their server during a primary restart
    if (env.ORDERS_QUEUE_URL) sqs = sqsClient(env);

    const system: SystemUnderTest = {
      mode: services.attached ? 'attached' : 'local',
      env,
      stack,
      pool,
      sqs,
      apiKey,
      logDir,
      apps,
      async startApp(kind, name, appOpts = {}) {
        // Nothing of ours but PATH; the profile name tells the CPU-profiler preload whose profile it writes.
        const appEnv = { PATH: process.env.PATH ?? '', ...env, ...opts.appEnv, ...appOpts.env, ORDERFLOW_PROFILE_NAME: name };
        const app = await AppProcess.start({ kind, name, env: appEnv, logDir, nodeArgs: appOpts.nodeArgs });
        apps.push(app);
        return app;
      },
      cpuRoles() {
        const appPids = (kind: AppKind) => () =>
          apps.filter((app) => app.name.startsWith(kind)).flatMap((app) => (app.pid ? [app.pid] : []));
        const roles: CpuRole[] = [
          { role: 'api', pids: appPids('api') },
          { role: 'worker', pids: appPids('worker') },
        ];
        if (stack) {
          const { primaryPort, replicaPort } = stack.postgres;
          const redisPort = stack.redis.port;
          const sqsPort = stack.sqs.port;
          const postgres = (port: number) => (cmd: string) => /\bpostgres\b/.test(cmd) && cmd.includes(` -p ${port}`);
          roles.push(
            { role: 'postgres', pids: () => pidsMatching(postgres(primaryPort)) },
            { role: 'postgres replica', pids: () => pidsMatching(postgres(replicaPort)) },
            // redis-server renames its process to "redis-server 127.0.0.1:<port>".
            { role: 'redis', pids: () => pidsMatching((cmd) => cmd.includes('redis-server') && cmd.includes(`:${redisPort}`)) },
            { role: 'sqs emulator', pids: () => pidsMatching((cmd, pid) => cmd.includes('fauxqs') && processEnvVar(pid, 'FAUXQS_PORT') === String(sqsPort)) },
          );
        }
        return roles;
      },
      stop,
    };
    return system;
  } catch (error) {
    await stop();
    throw error;
  }
}

