import { readFileSync } from 'node:fs';
import { ConnectionCredentials } from './connection-credentials';

/**
 * The one validated configuration object. Read once at start from the environment; any
 * variable may instead come from a file named by `<NAME>_FILE` (container secrets).
 */
export interface AppConfig {
  /** Which app runs (api, worker, reporting): names its database connections and logs. */
  appName: string;
  port: number;
  databaseUrl: string;
  databaseReplicaUrl: string;
  redisUrl: string;
  databasePoolSize: number;
  lockTtlMs: number;
  lockWaitTimeoutMs: number;
  maintenanceMode: boolean;
  logLevel: string;
  aws: {
    region: string;
    sqsEndpoint?: string;
    s3Endpoint?: string;
    ordersQueueUrl: string;
    ordersDlqUrl: string;
    orderEventsQueueUrl: string;
    reportsBucket: string;
  };
  reporting: { maxReplicaLagSeconds: number };
  /** Default token bucket of API keys stored without their own limit; null: not limited. */
  rateLimit: { ratePerSecond: number; burst: number } | null;
  worker: {
    pollers: number;
    waitTimeSeconds: number;
    maxInFlight: number;
    shutdownGraceMs: number;
    /** AIMD concurrency from the database's latency (docs/operations.md); off: always pool - 1. */
    adaptiveConcurrency: boolean;
    dbLatencyTargetMs: number;
    minConcurrency: number;
  };
  /** The connection URLs' passwords as they are now (a secrets refresh may rotate them). */
  credentials: ConnectionCredentials;
}

export type ConfigKey =
  | 'DATABASE_URL'
  | 'DATABASE_REPLICA_URL'
  | 'REDIS_URL'
  | 'PORT'
  | 'AWS_REGION'
  | 'ORDERS_QUEUE_URL'
  | 'ORDERS_DLQ_URL'
  | 'ORDER_EVENTS_QUEUE_URL'
  | 'REPORTS_BUCKET';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads `NAME` or the contents of the file at `NAME_FILE`. */
function readVar(env: Env, name: string, problems: string[]): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  }
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function loadConfig(required: readonly ConfigKey[], env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const get = (name: string) => readVar(env, name, problems);
  const need = (name: ConfigKey) => {
    const value = get(name);
    if (value === undefined && required.includes(name)) problems.push(`${name}: is required but not set`);
    return value ?? '';
  };
  const url = (name: ConfigKey, protocols: string[]) => {
    const value = need(name);
    if (value && !protocols.some((p) => value.startsWith(`${p}://`))) {
      problems.push(`${name}: must be a ${protocols.join(' or ')} URL`);
    }
    return value;
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}: must be an integer between ${min} and ${max}, got "${raw}"`);
    }
    return value;
  };
  const bool = (name: string, fallback = false) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!['true', 'false', '1', '0'].includes(raw)) problems.push(`${name}: must be true or false, got "${raw}"`);
    return raw === 'true' || raw === '1';
  };

  const portRaw = need('PORT');
  let port = 0;
  if (portRaw) {
    port = Number(portRaw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT: must be a port number, got "${portRaw}"`);
  }

  const config: AppConfig = {
    appName: env.ORDERFLOW_APP ?? 'app',
    port,
    databaseUrl: url('DATABASE_URL', ['postgres', 'postgresql']),
    databaseReplicaUrl: url('DATABASE_REPLICA_URL', ['postgres', 'postgresql']),
    redisUrl: url('REDIS_URL', ['redis', 'rediss']),
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 500),
    lockTtlMs: int('LOCK_TTL_MS', 5000, 2000, 600000),
    lockWaitTimeoutMs: int('LOCK_WAIT_TIMEOUT_MS', 10000, 100, 600000),
    maintenanceMode: bool('MAINTENANCE_MODE'),
    logLevel: get('LOG_LEVEL') ?? 'info',
    aws: {
      region: need('AWS_REGION') || 'us-east-1',
      sqsEndpoint: get('SQS_ENDPOINT'),
      s3Endpoint: get('S3_ENDPOINT'),
      ordersQueueUrl: need('ORDERS_QUEUE_URL'),
      ordersDlqUrl: need('ORDERS_DLQ_URL'),
      orderEventsQueueUrl: need('ORDER_EVENTS_QUEUE_URL'),
      reportsBucket: need('REPORTS_BUCKET'),
    },
    reporting: { maxReplicaLagSeconds: int('MAX_REPLICA_LAG_SECONDS', 30, 1, 86400) },
    rateLimit: null,
    worker: {
      pollers: int('SQS_POLLERS', 4, 1, 32),
      waitTimeSeconds: int('SQS_WAIT_TIME_SECONDS', 10, 0, 20),
      maxInFlight: int('SQS_MAX_IN_FLIGHT', 100, 10, 10000),
      shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 20000, 0, 25000),
      adaptiveConcurrency: bool('WORKER_ADAPTIVE_CONCURRENCY', true),
      dbLatencyTargetMs: int('WORKER_DB_LATENCY_TARGET_MS', 20, 1, 60000),
      minConcurrency: int('WORKER_MIN_CONCURRENCY', 4, 1, 500),
    },
    credentials: new ConnectionCredentials({}),
  };
  const ratePerSecond = int('API_RATE_LIMIT_PER_SECOND', 1000, 0, 1_000_000);
  const burst = int('API_RATE_LIMIT_BURST', Math.max(1, ratePerSecond * 2), 1, 2_000_000);
  config.rateLimit = ratePerSecond > 0 ? { ratePerSecond, burst } : null;
  config.credentials = new ConnectionCredentials({
    DATABASE_URL: config.databaseUrl,
    DATABASE_REPLICA_URL: config.databaseReplicaUrl,
    REDIS_URL: config.redisUrl,
  });
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push(`LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** A connection URL with its password masked, for logs and banners. */
export function redactUrl(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
