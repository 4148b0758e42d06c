import { chmod, mkdir, stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { killGuardedSync } from './orphan-guard';
import { startPostgresPair, type PostgresPair } from './postgres-cluster';
import { ensureBucket, ensureQueues, type OrderQueues } from './queues';
import { startRedis, type RedisServer } from './redis-server';
import { startSqsEmulator, type SqsEmulator } from './sqs-emulator';

export interface LocalStackOptions {
  /** Logs (redis, fauxqs) and postgres data (rootDir/postgres, deleted by stop()) go here. */
  rootDir: string;
  /** The redis and fauxqs logs instead; default rootDir. */
  logDir?: string;
  /** Default 'us-east-1'. */
  region?: string;
  /** Adds a synchronous standby to PostgreSQL (failover tests; see PostgresPairOptions). */
  synchronousStandby?: boolean;
  /** Buckets besides the reports bucket (the secrets bucket of `npm start`). */
  buckets?: string[];
  /**
   * Default true: SIGINT/SIGTERM stop the stack and exit. False for a caller that installs its
   * own handlers, to stop what it runs on the stack first.
   */
  cleanupHandlers?: boolean;
}

export interface LocalStackEnv {
  DATABASE_URL: string;
  DATABASE_REPLICA_URL: string;
  REDIS_URL: string;
  AWS_REGION: string;
  SQS_ENDPOINT: string;
  S3_ENDPOINT: string;
  ORDERS_QUEUE_URL: string;
  ORDERS_DLQ_URL: string;
  ORDER_EVENTS_QUEUE_URL: string;
  REPORTS_BUCKET: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
}

export interface LocalStack {
  /** What the apps read from process.env. */
  env: LocalStackEnv;
  postgres: PostgresPair;
  redis: RedisServer;
  /** restart() also re-creates the queues and the bucket (fauxqs forgets them), with the same URLs. */
  sqs: SqsEmulator;
  /** Stops everything; idempotent. Leaves rootDir itself (and the redis/fauxqs logs) to the caller. */
  stop(): Promise<void>;
}

export const REPORTS_BUCKET = 'orderflow-reports';

/** Postgres primary + replica, Redis and fauxqs on free ports, with the queues and bucket the apps expect. */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const { rootDir, region = 'us-east-1', synchronousStandby } = opts;
  await mkdir(rootDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root, postgres runs as the postgres user, which must be able to enter rootDir (mkdtemp makes it 0700).
    await chmod(rootDir, (await stat(rootDir)).mode | 0o001);
  }

  const started = await Promise.allSettled([
    startPostgresPair({ rootDir: path.join(rootDir, 'postgres'), synchronousStandby }),
    startRedis({ logDir: opts.logDir ?? rootDir }),
    startSqsEmulator({ logDir: opts.logDir ?? rootDir }),
  ]);
  const stopAll = () =>
    Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined))).then(() => undefined);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const [postgres, redis, rawSqs] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
    PostgresPair,
    RedisServer,
    SqsEmulator,
  ];

  const provisionAws = async () => {
    const [queues] = await Promise.all([
      ensureQueues({ endpoint: rawSqs.endpoint, region }),
      ...[REPORTS_BUCKET, ...(opts.buckets ?? [])].map((bucket) => ensureBucket({ endpoint: rawSqs.endpoint, region, bucket })),
    ]);
    return queues;
  };
  let queues: OrderQueues;
  try {
    queues = await provisionAws();
  } catch (err) {
    await stopAll();
    throw err;
  }

  const sqs: SqsEmulator = {
    ...rawSqs,
    async restart() {
      await rawSqs.restart();
      await provisionAws();
    },
  };

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopAll().finally(uninstall);
    return stopping;
  };
  const uninstall = opts.cleanupHandlers === false ? () => undefined : installCleanupHandlers(stop);

  return {
    env: {
      DATABASE_URL: postgres.primaryUrl,
      DATABASE_REPLICA_URL: postgres.replicaUrl,
      REDIS_URL: redis.url,
      ...emulatorEnv(rawSqs.endpoint, region, queues),
    },
    postgres,
    redis,
    sqs,
    stop,
  };
}

/** The apps' variables for queues and the bucket on a local emulator (which takes any credentials). */
export function emulatorEnv(endpoint: string, region: string, queues: OrderQueues) {
  return {
    AWS_REGION: region,
    SQS_ENDPOINT: endpoint,
    S3_ENDPOINT: endpoint,
    ORDERS_QUEUE_URL: queues.ordersQueueUrl,
    ORDERS_DLQ_URL: queues.ordersDlqUrl,
    ORDER_EVENTS_QUEUE_URL: queues.orderEventsQueueUrl,
    REPORTS_BUCKET,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}

/**
 * SIGINT/SIGTERM: run `stop`, then exit with the conventional 128+signal code (a second signal
 * stops waiting). 'exit': synchronously signal any service still running (postmasters get SIGQUIT,
 * the rest SIGKILL). Returns a function that removes the handlers.
 */
export function installCleanupHandlers(stop: () => Promise<void>): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const exitCode = 128 + (osConstants.signals[signal] ?? 0);
    if (stopping) process.exit(exitCode); // 'exit' handler below still kills what is left
    stopping = true;
    stop().finally(() => process.exit(exitCode));
  };
  const onExit = () => killGuardedSync();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  };
}
