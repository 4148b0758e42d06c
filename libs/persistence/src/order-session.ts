import { DataSource, EntityManager } from 'typeorm';

/**
 * Planner settings of every session on the primary that runs order commands (the API's and the
 * worker's pools, the bench's raw lane), given when the connection starts (the `options` startup
 * parameter), so that the placement's two statements need no transaction to carry them:
 *
 * - `plan_cache_mode = force_generic_plan`: PostgreSQL plans a prepared statement again for its
 *   parameters ("custom plan") until it judges a generic plan no costlier. The placement's
 *   statements take arrays of SKUs whose length a generic plan can only guess, so it went on
 *   planning them on every call, which cost about as much as running them (docs/benchmarks.md,
 *   "Issue 12, second session").
 * - `enable_seqscan = off`: the order statements reach every row by key. The stock and customer
 *   tables are small and rewritten by every order, so between two vacuums, or before their first
 *   ANALYZE, a plan may prefer a sequential scan, and it stays cached until the next ANALYZE while
 *   the table's pages fill with dead row versions.
 *
 * Every statement on these pools is a look-up by key (reports and exports read the replica, through
 * pools without these settings); a statement with no usable index still gets its sequential scan.
 */
export const ORDER_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  plan_cache_mode: 'force_generic_plan',
  enable_seqscan: 'off',
};

/** ORDER_SESSION_SETTINGS as the value of libpq's / pg's `options` startup parameter. */
export const ORDER_SESSION_OPTIONS = Object.entries(ORDER_SESSION_SETTINGS)
  .map(([name, value]) => `-c ${name}=${value}`)
  .join(' ');

/**
 * Runs `work` on one pooled primary connection held throughout (its statements then reuse that
 * connection's prepared statements), without opening a transaction.
 */
export async function onOrderConnection<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner('master');
  try {
    await runner.connect();
    return await work(runner.manager);
  } finally {
    await runner.release();
  }
}
