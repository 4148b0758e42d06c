import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';

/** Data sources created with DATABASE_PREPARED_STATEMENTS=false. */
const withoutNamedStatements = new WeakSet<DataSource>();

/** Whether queryPrepared may name its statements on this data source's connections. */
export function setPreparedStatements(dataSource: DataSource, enabled: boolean): void {
  if (enabled) withoutNamedStatements.delete(dataSource);
  else withoutNamedStatements.add(dataSource);
}

/** Runs one statement and returns its rows, for SELECT and for INSERT/UPDATE ... RETURNING alike. */
export async function queryRows<T>(manager: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  const ownRunner = manager.queryRunner === undefined;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(text, params, true);
    return result.records as T[];
  } finally {
    if (ownRunner) await runner.release();
  }
}

/**
 * Like queryRows, as a named prepared statement on the pg connection under the query runner: for
 * the statements of the order transaction, which run thousands of times a second with the same
 * text. PostgreSQL then parses and plans each text once per connection instead of on every call,
 * and TypeORM's per-query bookkeeping is skipped (the raw-limit benchmark measured about a third
 * more transactions per second; docs/benchmarks.md). Such statements must name their columns:
 * a prepared `SELECT *` or `RETURNING *` fails with "cached plan must not change result type"
 * once a migration adds a column under a running app.
 *
 * With DATABASE_PREPARED_STATEMENTS=false the statement stays unnamed (parsed on every call): RDS
 * Proxy pins a client's session to one database connection once it prepares a named statement,
 * which would defeat its connection multiplexing.
 */
export async function queryPrepared<T>(manager: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  const ownRunner = manager.queryRunner === undefined;
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    const named = !withoutNamedStatements.has(manager.connection);
    const result = await client.query(named ? { name: statementName(text), text, values: params } : { text, values: params });
    return result.rows as T[];
  } finally {
    if (ownRunner) await runner.release();
  }
}

const statementNames = new Map<string, string>();

/** A stable name per statement text (pg keeps the prepared statements of each connection by name). */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `of_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** int8 and numeric arrive as strings from pg; the values here stay within 2^53. */
export function toNumber(value: string | number | null): number {
  return value === null ? 0 : Number(value);
}
