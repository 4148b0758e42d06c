import { Client, ClientConfig } from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from './migrations';

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName: string;
  /**
   * Asked for the password of every new connection (instead of the URL's), so that a rotated
   * password reaches new connections without a restart.
   */
  password?: () => string | undefined;
  /** Default 15 s: a query stuck on a dead server must fail so that the caller can retry or enqueue. */
  queryTimeoutMs?: number;
}

/**
 * pg lets a connection string override every other setting, its (empty) password included: with
 * a password function, the URL is passed as its parts instead, without the password.
 */
function connectionSettings(options: DataSourceOptions): Record<string, unknown> {
  if (!options.password) return {};
  const { password: _ignored, ...parts } = parseConnectionString(options.url);
  const current = options.password;
  return { ...parts, connectionString: undefined, password: async () => current() };
}

/**
 * pg emits 'error' on a client that is checked out of the pool but not running a query (a session
 * held between statements, the outbox relay's leader session) when the server goes away, e.g. a
 * PostgreSQL restart; unhandled, that event kills the process. The failure still reaches the next
 * query on that client, and the pool discards broken clients on release.
 */
class ResilientClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/**
 * A TypeORM data source over pg. The schema is owned by migrations: `synchronize` stays off.
 * Repositories speak SQL through it so that locking and statements stay explicit.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: false,
    extra: {
      ...connectionSettings(options),
      max: options.poolSize ?? 10,
      application_name: options.applicationName,
      connectionTimeoutMillis: 5000,
      query_timeout: options.queryTimeoutMs ?? 15000,
      keepAlive: true,
      Client: ResilientClient,
    },
  });
}
