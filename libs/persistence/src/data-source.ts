import { Client, ClientConfig } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from './migrations';

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName: string;
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
  return new DataSource({
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
      // A query stuck on a dead server must fail so that the caller can retry or enqueue.
      query_timeout: 15000,
      keepAlive: true,
      Client: ResilientClient,
    },
  });
}
