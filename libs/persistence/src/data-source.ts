import { Client, ClientConfig } from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { DataSource } from 'typeorm';
import type { DatabaseConnectionConfig } from '@orderflow/config/app-config';
import { iamAuthTokenProvider } from './iam-auth-token';
import { MIGRATIONS } from './migrations';
import { setPreparedStatements } from './sql';

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName: string;
  /**
   * Asked for the password of every new connection (instead of the URL's), so that a rotated
   * password reaches new connections without a restart. Unused with IAM authentication.
   */
  password?: () => string | undefined;
  /** Default 15 s: a query stuck on a dead server must fail so that the caller can retry or enqueue. */
  queryTimeoutMs?: number;
  /** TLS, IAM authentication and prepared statements (AppConfig.database); default: plain, as the URL says. */
  connection?: DatabaseConnectionConfig;
  /** The `options` startup parameter of every connection, e.g. ORDER_SESSION_OPTIONS. */
  sessionOptions?: string;
}

/**
 * pg emits 'error' on a client that is checked out of the pool but not running a query (a session
 * held between statements, the outbox relay's leader session) when the server goes away, e.g. a
 * PostgreSQL restart; unhandled, that event kills the process. The failure still reaches the next
 * query on that client, and the pool discards broken clients on release.
 */
export class ResilientClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', () => undefined);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    // Watches every query's outcome: a connection that finds itself on a read-only server is ended,
    // so that the pool discards it on release (pg-pool drops a client that is ending) instead of
    // handing it out again.
    this.query = ((...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) {
        result.then(undefined, (error: unknown) => {
          if (isStaleServerError(error)) this.end().catch(() => undefined);
        });
      }
      return result;
    }) as Client['query'];
  }
}

/**
 * 25006: this session reached a read-only server (a standby, or an Aurora reader behind a stale
 * writer endpoint after a failover); 57P01-57P03: the server is shutting down or not accepting
 * sessions. Such a connection will fail every write it is given; a new one, opened through the
 * endpoint again, reaches the current writer.
 */
export function isStaleServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '25006' || code === '57P01' || code === '57P02' || code === '57P03';
}

/**
 * A TypeORM data source over pg. The schema is owned by migrations: `synchronize` stays off.
 * Repositories speak SQL through it so that locking and statements stay explicit.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
    extra: {
      max: options.poolSize ?? 10,
      application_name: options.applicationName,
      connectionTimeoutMillis: 5000,
      query_timeout: options.queryTimeoutMs ?? 15000,
      keepAlive: true,
      Client: ResilientClient,
      ...pgConnectionOptions(options.url, options.connection, options.password),
      ...(options.sessionOptions ? { options: options.sessionOptions } : {}),
    },
  });
  setPreparedStatements(dataSource, options.connection?.preparedStatements ?? true);
  return dataSource;
}

/**
 * pg's options for a connection to `url` as configured: `ssl` for DATABASE_TLS, and with IAM
 * authentication the URL's parts with a fresh token as the password of every new connection. For
 * the data sources and for the plain pg clients (the export's cursor).
 */
export function pgConnectionOptions(url: string, connection?: DatabaseConnectionConfig, password?: () => string | undefined): ClientConfig {
  const options: ClientConfig = {};
  if (connection?.iamAuth || password) {
    // pg lets a connection string override every other setting, its (empty) password included:
    // with a password function the URL is passed as its parts instead, without the password.
    const { password: _ignored, ...parts } = parseConnectionString(url);
    Object.assign(options, parts, { connectionString: undefined });
    if (connection?.iamAuth) {
      const target = new URL(url);
      options.password = iamAuthTokenProvider({
        hostname: target.hostname,
        port: Number(target.port || 5432),
        username: decodeURIComponent(target.username),
        region: connection.region,
      });
    } else {
      const current = password!;
      options.password = (async () => current()) as () => Promise<string>;
    }
  } else {
    options.connectionString = url;
  }
  // require = libpq's sslmode=require (encrypted, not verified); verify-full checks the CA and the host name.
  if (connection?.tls === 'require') options.ssl = { rejectUnauthorized: false };
  if (connection?.tls === 'verify-full') options.ssl = { rejectUnauthorized: true, ...(connection.caCertificate ? { ca: connection.caCertificate } : {}) };
  return options;
}
