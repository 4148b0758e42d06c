import { join } from 'node:path';
import { emulatorEnv, REPORTS_BUCKET, startLocalStack } from '@orderflow/devstack/local-stack';
import { startPostgresPair, type PostgresPair } from '@orderflow/devstack/postgres-cluster';
import { ensureBucket, ensureQueues } from '@orderflow/devstack/queues';
import { startRedis, type RedisServer } from '@orderflow/devstack/redis-server';
import { startSqsEmulator, type SqsEmulator } from '@orderflow/devstack/sqs-emulator';
import { asReportingRole } from '@orderflow/reporting/reporting-role';

/** The variables the apps read to find their services. */
export type ServiceEnv = Record<string, string>;

/** The apps' variables of each service, as an operator names existing ones. */
const SERVICE_VARS = {
  postgres: ['DATABASE_URL', 'DATABASE_REPLICA_URL'],
  redis: ['REDIS_URL'],
  sqs: ['SQS_ENDPOINT', 'S3_ENDPOINT', 'ORDERS_QUEUE_URL', 'ORDERS_DLQ_URL', 'ORDER_EVENTS_QUEUE_URL', 'REPORTS_BUCKET'],
  aws: ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'],
} as const;

export interface Services {
  env: ServiceEnv;
  /** The services started here (restartable); absent where the environment named existing ones. */
  postgres?: PostgresPair;
  redis?: RedisServer;
  sqs?: SqsEmulator;
  /** Nothing started here: every service is the environment's. */
  attached: boolean;
  /** Stops what was started here; idempotent. */
  stop(): Promise<void>;
}

/** Services that all run here (restartable by the chaos run, measurable by the bench). */
export type LocalServices = Services & { postgres: PostgresPair; redis: RedisServer; sqs: SqsEmulator };

export function allLocal(services: Services): services is LocalServices {
  return Boolean(services.postgres && services.redis && services.sqs);
}

export interface ServicesOptions {
  /** PostgreSQL data (rootDir/postgres, deleted on stop). */
  rootDir: string;
  /** The Redis and emulator logs; default rootDir. */
  logDir?: string;
  /**
   * 'each' (`npm start`): a service is attached when its variables are set (PostgreSQL: both
   * URLs; Redis: REDIS_URL; SQS: SQS_ENDPOINT or ORDERS_QUEUE_URL), else started here.
   * 'all' (bench, chaos): every service attached when DATABASE_URL is set (REDIS_URL then
   * required), else all started here. 'none': all started here, whatever is set.
   */
  attach: 'each' | 'all' | 'none';
  environment?: NodeJS.ProcessEnv;
  /** Buckets to create on a local emulator besides the reports bucket. */
  buckets?: string[];
  log?: (line: string) => void;
}

/**
 * "Start or attach the services": PostgreSQL primary + streaming replica, Redis and the SQS/S3
 * emulator on free ports, or the ones the apps' own variables name. Installs no signal handlers:
 * the caller stops what it runs on them first.
 */
export async function startOrAttachServices(opts: ServicesOptions): Promise<Services> {
  const environment = opts.environment ?? process.env;
  const log = opts.log ?? (() => undefined);
  const region = environment.AWS_REGION ?? 'us-east-1';
  const set = (name: string) => Boolean(environment[name]);
  const attach =
    opts.attach === 'each'
      ? { postgres: set('DATABASE_URL') && set('DATABASE_REPLICA_URL'), redis: set('REDIS_URL'), sqs: set('SQS_ENDPOINT') || set('ORDERS_QUEUE_URL') }
      : { postgres: opts.attach === 'all' && set('DATABASE_URL'), redis: false, sqs: false };
  if (opts.attach === 'all' && attach.postgres) {
    if (!set('REDIS_URL')) throw new Error('DATABASE_URL is set, so the services are attached, but REDIS_URL is not');
    attach.redis = attach.sqs = true;
  }
  const attachedGroups = (Object.keys(attach) as Array<keyof typeof attach>).filter((group) => attach[group]);
  const env: ServiceEnv = pick(environment, [...attachedGroups.flatMap((group) => SERVICE_VARS[group]), ...(attach.sqs ? SERVICE_VARS.aws : [])]);
  if (attachedGroups.length) log(`attaching to the ${attachedGroups.join(', ')} named by the environment`);

  if (attachedGroups.length === 0) {
    log('starting PostgreSQL primary + replica, Redis and the SQS/S3 emulator...');
    const stack = await startLocalStack({ rootDir: opts.rootDir, logDir: opts.logDir, region, buckets: opts.buckets, cleanupHandlers: false });
    // Reporting reads the replica as the SELECT-only role the migrations create (trust auth here).
    const stackEnv = { ...stack.env, DATABASE_REPLICA_URL: asReportingRole(stack.env.DATABASE_REPLICA_URL) };
    return { env: stackEnv, postgres: stack.postgres, redis: stack.redis, sqs: stack.sqs, attached: false, stop: stack.stop };
  }

  // Some attached, the rest started here one by one (npm start beside existing services).
  const stops: Array<() => Promise<void>> = [];
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stops.reduceRight((done, next) => done.then(() => next().catch(() => undefined)), Promise.resolve()));
  const services: Services = { env, attached: attachedGroups.length === 3, stop };
  try {
    if (!attach.postgres) {
      log('starting PostgreSQL primary and streaming replica...');
      const postgres = (services.postgres = await startPostgresPair({ rootDir: join(opts.rootDir, 'postgres') }));
      stops.push(() => postgres.stop());
      Object.assign(env, { DATABASE_URL: postgres.primaryUrl, DATABASE_REPLICA_URL: asReportingRole(postgres.replicaUrl) });
    }
    if (!attach.redis) {
      log('starting Redis...');
      const redis = (services.redis = await startRedis({ logDir: opts.logDir ?? opts.rootDir }));
      stops.push(() => redis.stop());
      env.REDIS_URL = redis.url;
    }
    if (!attach.sqs) {
      log('starting the SQS/S3 emulator (fauxqs)...');
      const sqs = (services.sqs = await startSqsEmulator({ logDir: opts.logDir ?? opts.rootDir }));
      stops.push(() => sqs.stop());
      const queues = await ensureQueues({ endpoint: sqs.endpoint, region });
      for (const bucket of [REPORTS_BUCKET, ...(opts.buckets ?? [])]) await ensureBucket({ endpoint: sqs.endpoint, region, bucket });
      Object.assign(env, emulatorEnv(sqs.endpoint, region, queues));
    }
    return services;
  } catch (error) {
    await stop();
    throw error;
  }
}

function pick(environment: NodeJS.ProcessEnv, names: readonly string[]): ServiceEnv {
  return Object.fromEntries(names.filter((name) => environment[name]).map((name) => [name, environment[name]!]));
}
