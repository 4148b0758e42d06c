import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RouteTokenKey, parseRouteTokenKeys } from '@orderflow/release/route-token';
import { VERSION_PATTERN } from '@orderflow/release/release-types';
import { ConnectionCredentials } from './connection-credentials';

/**
 * The one validated configuration object. Read once at start from the environment; any
 * variable may instead come from a file named by `<NAME>_FILE` (container secrets).
 */
export interface AppConfig {
  /** Which app runs (api, worker, reporting): names its database connections and logs. */
  appName: string;
  /** ORDERFLOW_VERSION (default: package.json's version): headers, /health/live, metrics, orders. */
  version: string;
  port: number;
  // Connection settings are undefined when not set: each app or program names the ones it needs
  // in `required`, so that for it they are set (or it exits 78 naming them).
  databaseUrl?: string;
  databaseReplicaUrl?: string;
  redisUrl?: string;
  databasePoolSize: number;
  /**
   * PLACEMENT_BATCH: the most orders one database statement places, orders of different customers
   * that are ready at the same moment (PlacementBatcher, API and worker); 1: one order per statement.
   */
  placementBatch: number;
  /** How the apps connect to PostgreSQL (both URLs): TLS, IAM authentication, prepared statements. */
  database: DatabaseConnectionConfig;
  lockTtlMs: number;
  lockWaitTimeoutMs: number;
  maintenanceMode: boolean;
  logLevel: string;
  aws: {
    region: string;
    sqsEndpoint?: string;
    s3Endpoint?: string;
    ordersQueueUrl?: string;
    ordersDlqUrl?: string;
    orderEventsQueueUrl?: string;
    reportsBucket?: string;
  };
  reporting: { maxReplicaLagSeconds: number };
  /** Default token bucket of API keys stored without their own limit; null: not limited. */
  rateLimit: { ratePerSecond: number; burst: number } | null;
  worker: {
    pollers: number;
    waitTimeSeconds: number;
    maxInFlight: number;
    /** SQS_DELETE_LINGER_MS: how long a processed message waits for others to share a DeleteMessageBatch. */
    deleteLingerMs: number;
    shutdownGraceMs: number;
    /** AIMD concurrency from the database's latency (docs/operations.md); off: always pool - 1. */
    adaptiveConcurrency: boolean;
    dbLatencyTargetMs: number;
    /** The relative target's factor (WORKER_DB_LATENCY_TOLERANCE); null: the fixed target only. */
    dbLatencyTolerance: number | null;
    /** WORKER_MIN_CONCURRENCY: the adaptive limit's floor; below 1 a duty cycle of one transaction. */
    minConcurrency: number;
    /**
     * WORKER_CPU_NICE: the niceness the worker lowers its CPU priority to at start (0: unchanged),
     * so that on a host it shares with the API the kernel serves live requests first.
     */
    cpuNice: number;
    /**
     * WORKER_VERSION_QUEUES: the ingress queue is forwarded, per customer, to the queue of the
     * worker version the customer is assigned to (docs/releases.md, "Workers"); off: every worker
     * processes the ingress queue itself.
     */
    versionQueues: boolean;
    /** Ingress messages a worker forwards (or holds at a customer's barrier) at once. */
    forwardConcurrency: number;
  };
  /** The connection URLs' passwords as they are now (a secrets refresh may rotate them). */
  credentials: ConnectionCredentials;
  release: {
    /** ROUTE_TOKEN_KEYS: the first signs route tokens, every one verifies them. Empty: no sessions. */
    routeTokenKeys: RouteTokenKey[];
    routeTokenTtlSeconds: number;
    /** Registry entry TTL; the heartbeat renews it every third of it. */
    instanceTtlSeconds: number;
    /** Host part of the address this instance registers (the router connects to it). */
    advertiseHost: string;
    /** After deregistering on SIGTERM, how long to keep serving before draining: the router's time to stop sending. */
    deregisterGraceMs: number;
  };
  router: RouterSettings;
}

/** The router controller (`npm run start:router`): nginx in front of the API, and the canary analysis. */
export interface RouterSettings {
  /** ROUTER_RUNTIME_DIR: nginx's prefix, config, logs, temp dirs and the key file (0600). */
  runtimeDir: string;
  listenHost: string;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  upstreamKeepalive: number;
  /** ROUTER_CLIENT_KEEPALIVE_SECONDS: 0 closes client connections after each response (safe across reloads). */
  clientKeepaliveSeconds: number;
  workerProcesses: number;
  /** Fallback re-render period when no registry or release announcement arrives. */
  pollMs: number;
  /** Defaults for every release; a release's own `bounds` override them. */
  bounds: { maxErrorRateDelta: number; maxTimeoutRateDelta: number; maxP95Ratio: number; p95FloorMs: number; minRequests: number };
}

export type DatabaseTls = 'disable' | 'require' | 'verify-full';

export interface DatabaseConnectionConfig {
  /** disable: plain TCP; require: encrypted, server not verified; verify-full: CA and host name verified. */
  tls: DatabaseTls;
  /** PEM read from DATABASE_CA_FILE at start (the RDS CA bundle); Node's own CA list when absent. */
  caCertificate?: string;
  /** Passwords are IAM auth tokens from @aws-sdk/rds-signer (the URL carries the user, no password). */
  iamAuth: boolean;
  /** false: unnamed statements only, so that RDS Proxy does not pin a session per connection. */
  preparedStatements: boolean;
  /** Region that signs IAM auth tokens (AWS_REGION). */
  region: string;
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

/** `appName` names the app's database connections and logs (api, worker, reporting, router...). */
export function loadConfig(required: readonly ConfigKey[], env: Env = process.env, appName = 'app'): AppConfig {
  const problems: string[] = [];
  const get = (name: string) => readVar(env, name, problems);
  const need = (name: ConfigKey) => {
    const value = get(name);
    if (value === undefined && required.includes(name)) problems.push(`${name}: is required but not set`);
    return value;
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
  const num = (name: string, fallback: number, min: number, max: number) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) problems.push(`${name}: must be a number between ${min} and ${max}, got "${raw}"`);
    return value;
  };
  const bool = (name: string, fallback = false) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (!['true', 'false', '1', '0'].includes(raw)) problems.push(`${name}: must be true or false, got "${raw}"`);
    return raw === 'true' || raw === '1';
  };

  // 0 turns the relative target off; otherwise a factor above 1 (a transaction as fast as the quietest is not "slow").
  const latencyTolerance = (value: number) => {
    if (value === 0) return null;
    if (!(value > 1)) problems.push(`WORKER_DB_LATENCY_TOLERANCE: must be 0 (off) or above 1, got "${value}"`);
    return value;
  };
  const boolDefault = (name: string, fallback: boolean) => (get(name) === undefined ? fallback : bool(name));

  const portRaw = need('PORT');
  let port = 0;
  if (portRaw) {
    port = Number(portRaw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT: must be a port number, got "${portRaw}"`);
  }

  const version = get('ORDERFLOW_VERSION') ?? packageVersion();
  if (!new RegExp(VERSION_PATTERN).test(version)) problems.push(`ORDERFLOW_VERSION: must be 1..40 chars of [0-9A-Za-z.+-], got "${version}"`);
  const routeKeysRaw = get('ROUTE_TOKEN_KEYS');
  const routeKeys = routeKeysRaw === undefined ? { keys: [], problems: [] } : parseRouteTokenKeys(routeKeysRaw);
  problems.push(...routeKeys.problems.map((problem) => `ROUTE_TOKEN_KEYS: ${problem}`));
  const advertiseHost = get('ADVERTISE_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(advertiseHost)) problems.push(`ADVERTISE_HOST: must be a host name or IP address, got "${advertiseHost}"`);

  const config: AppConfig = {
    appName,
    version,
    port,
    databaseUrl: url('DATABASE_URL', ['postgres', 'postgresql']),
    databaseReplicaUrl: url('DATABASE_REPLICA_URL', ['postgres', 'postgresql']),
    redisUrl: url('REDIS_URL', ['redis', 'rediss']),
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 500),
    placementBatch: int('PLACEMENT_BATCH', 10, 1, 100),
    database: {
      tls: 'disable',
      iamAuth: bool('DATABASE_IAM_AUTH'),
      preparedStatements: boolDefault('DATABASE_PREPARED_STATEMENTS', true),
      region: 'us-east-1',
    },
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
      maxInFlight: int('SQS_MAX_IN_FLIGHT', 20, 10, 10000),
      deleteLingerMs: int('SQS_DELETE_LINGER_MS', 25, 0, 1000),
      shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 20000, 0, 25000),
      adaptiveConcurrency: bool('WORKER_ADAPTIVE_CONCURRENCY', true),
      dbLatencyTargetMs: int('WORKER_DB_LATENCY_TARGET_MS', 20, 1, 60000),
      dbLatencyTolerance: latencyTolerance(num('WORKER_DB_LATENCY_TOLERANCE', 5, 0, 1000)),
      minConcurrency: num('WORKER_MIN_CONCURRENCY', 1, 0.05, 500),
      cpuNice: int('WORKER_CPU_NICE', 0, 0, 19),
      versionQueues: bool('WORKER_VERSION_QUEUES'),
      forwardConcurrency: int('WORKER_FORWARD_CONCURRENCY', 200, 10, 10000),
    },
    release: {
      routeTokenKeys: routeKeys.keys,
      routeTokenTtlSeconds: int('ROUTE_TOKEN_TTL_SECONDS', 3600, 60, 30 * 86400),
      instanceTtlSeconds: int('INSTANCE_TTL_SECONDS', 10, 3, 3600),
      advertiseHost,
      deregisterGraceMs: int('DEREGISTER_GRACE_MS', 1500, 0, 20000),
    },
    router: {
      runtimeDir: get('ROUTER_RUNTIME_DIR') ?? join(tmpdir(), `orderflow-router-${port}`),
      listenHost: get('ROUTER_LISTEN_HOST') ?? '0.0.0.0',
      connectTimeoutMs: int('ROUTER_CONNECT_TIMEOUT_MS', 1000, 50, 60000),
      readTimeoutMs: int('ROUTER_READ_TIMEOUT_MS', 30000, 100, 600000),
      upstreamKeepalive: int('ROUTER_UPSTREAM_KEEPALIVE', 32, 1, 10000),
      clientKeepaliveSeconds: int('ROUTER_CLIENT_KEEPALIVE_SECONDS', 0, 0, 3600),
      workerProcesses: int('ROUTER_WORKER_PROCESSES', 2, 1, 64),
      pollMs: int('ROUTER_POLL_MS', 1000, 100, 60000),
      bounds: {
        maxErrorRateDelta: num('RELEASE_MAX_5XX_RATE_DELTA', 0.01, 0, 1),
        maxTimeoutRateDelta: num('RELEASE_MAX_TIMEOUT_RATE_DELTA', 0.01, 0, 1),
        maxP95Ratio: num('RELEASE_MAX_P95_RATIO', 1.5, 1, 1000),
        p95FloorMs: num('RELEASE_P95_FLOOR_MS', 50, 0, 600000),
        minRequests: int('RELEASE_MIN_REQUESTS', 50, 1, 1000000),
      },
    },
    credentials: new ConnectionCredentials({}),
  };
  config.database.region = config.aws.region;
  readDatabaseTls(config, get, problems);
  if (config.database.iamAuth) {
    if (config.database.tls === 'disable') problems.push('DATABASE_IAM_AUTH: needs DATABASE_TLS=require or verify-full (RDS accepts IAM tokens over TLS only)');
    for (const [name, value] of [['DATABASE_URL', config.databaseUrl], ['DATABASE_REPLICA_URL', config.databaseReplicaUrl]] as const) {
      if (value && hasPassword(value)) problems.push(`${name}: must carry no password when DATABASE_IAM_AUTH=true (the IAM token is the password)`);
    }
  }
  const ratePerSecond = int('API_RATE_LIMIT_PER_SECOND', 1000, 0, 1_000_000);
  const burst = int('API_RATE_LIMIT_BURST', Math.max(1, ratePerSecond * 2), 1, 2_000_000);
  config.rateLimit = ratePerSecond > 0 ? { ratePerSecond, burst } : null;
  config.credentials = new ConnectionCredentials({
    DATABASE_URL: config.databaseUrl,
    DATABASE_REPLICA_URL: config.databaseReplicaUrl,
    REDIS_URL: config.redisUrl,
  });
  if (!/^\/[A-Za-z0-9._/+-]+$/.test(config.router.runtimeDir)) {
    problems.push('ROUTER_RUNTIME_DIR: must be an absolute path of [A-Za-z0-9._/+-]');
  }
  if (!/^[A-Za-z0-9.:\[\]-]{1,253}$/.test(config.router.listenHost)) problems.push('ROUTER_LISTEN_HOST: must be a host name or IP address');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push(`LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const TLS_MODES: readonly DatabaseTls[] = ['disable', 'require', 'verify-full'];

/** DATABASE_TLS and DATABASE_CA_FILE; the CA is read here, once, like every other setting. */
function readDatabaseTls(config: AppConfig, get: (name: string) => string | undefined, problems: string[]): void {
  const tls = get('DATABASE_TLS');
  if (tls !== undefined) {
    if (TLS_MODES.includes(tls as DatabaseTls)) config.database.tls = tls as DatabaseTls;
    else problems.push(`DATABASE_TLS: must be one of ${TLS_MODES.join(', ')}, got "${tls}"`);
    for (const [name, value] of [['DATABASE_URL', config.databaseUrl], ['DATABASE_REPLICA_URL', config.databaseReplicaUrl]] as const) {
      // pg lets the URL's sslmode win over the TLS settings given beside it: one place only.
      if (value && /[?&]sslmode=/.test(value)) problems.push(`${name}: has sslmode; remove it, DATABASE_TLS sets TLS`);
    }
  }
  const caFile = get('DATABASE_CA_FILE');
  if (caFile === undefined) return;
  if (config.database.tls === 'disable') {
    problems.push('DATABASE_CA_FILE: set, but DATABASE_TLS is disable');
    return;
  }
  try {
    const pem = readFileSync(caFile, 'utf8');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) problems.push(`DATABASE_CA_FILE: ${caFile} holds no PEM certificate`);
    else config.database.caCertificate = pem;
  } catch (error) {
    problems.push(`DATABASE_CA_FILE: cannot read ${caFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function hasPassword(value: string): boolean {
  try {
    return new URL(value).password !== '';
  } catch {
    return false;
  }
}

/** package.json's version: the nearest package.json above this file (src under Jest, dist when built). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
    if (dirname(dir) === dir) return '0.0.0';
  }
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

/**
 * A connection setting of `config` that the caller named in loadConfig's `required` (so it is
 * set): its value, or a ConfigError naming it should the caller have forgotten to require it.
 */
export function requiredSetting(value: string | undefined, name: ConfigKey): string {
  if (value === undefined) throw new ConfigError([`${name}: is required but not set`]);
  return value;
}
