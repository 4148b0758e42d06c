import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs the work of one order command (placement, cancellation) in a transaction on a pooled
 * primary connection. Opening it takes one round trip: START TRANSACTION and two planner settings
 * that end with the transaction (SET LOCAL), so other statements on the connection keep the
 * server's.
 *
 * - `plan_cache_mode = force_generic_plan`: PostgreSQL plans a prepared statement again for its
 *   parameters ("custom plan") until it judges a generic plan no costlier. The placement's
 *   statements take arrays of SKUs whose length a generic plan can only guess, so it went on
 *   planning them on every call, which cost about as much as running them (docs/benchmarks.md,
 *   "Issue 12, second session").
 * - `enable_seqscan = off`: these statements reach every row by key. The stock and customer tables
 *   are small and rewritten by every order, so between two vacuums, or before their first
 *   ANALYZE, a plan may prefer a sequential scan, and it stays cached until the next ANALYZE
 *   while the table's pages fill with dead row versions.
 */
export const START_ORDER_TRANSACTION = 'START TRANSACTION; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL enable_seqscan = off';

export async function inOrderTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner('master');
  try {
    const client = (await runner.connect()) as PoolClient;
    return await inOrderTransactionOn(client, () => work(runner.manager));
  } finally {
    await runner.release();
  }
}

/** The same transaction on a connection the caller holds (the bench's raw lane). */
export async function inOrderTransactionOn<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query(START_ORDER_TRANSACTION);
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
