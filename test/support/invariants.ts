import { DataSource } from 'typeorm';

export interface InvariantReport {
  orders: number;
  /** Customers whose orderNumbers are not exactly 1..N. */
  numberingViolations: string[];
  /** Customers whose stored open balance differs from the sum of their CONFIRMED orders, or exceeds the limit. */
  balanceViolations: string[];
  negativeStock: string[];
  duplicateKeys: number;
}

/** Checks the invariants every test of concurrency and failure relies on, from the primary. */
export async function checkInvariants(db: DataSource): Promise<InvariantReport> {
  const [{ orders }] = await db.query(`SELECT count(*)::int AS orders FROM orders`);
  const numbering = await db.query(`
    SELECT customer_id FROM orders GROUP BY customer_id
    HAVING min(order_number) <> 1 OR max(order_number) <> count(*) OR count(DISTINCT order_number) <> count(*)`);
  const balances = await db.query(`
    SELECT c.id FROM customers c
    LEFT JOIN (SELECT customer_id, sum(total_cents) AS confirmed FROM orders WHERE status = 'CONFIRMED' GROUP BY customer_id) o
      ON o.customer_id = c.id
    WHERE c.open_balance_cents <> coalesce(o.confirmed, 0)
       OR (c.credit_limit_cents IS NOT NULL AND coalesce(o.confirmed, 0) > c.credit_limit_cents)`);
  const negative = await db.query(`SELECT sku FROM inventory WHERE available < 0`);
  const [{ duplicates }] = await db.query(`
    SELECT count(*)::int AS duplicates FROM (
      SELECT 1 FROM orders GROUP BY customer_id, client_order_id HAVING count(*) > 1) d`);
  return {
    orders,
    numberingViolations: numbering.map((r: { customer_id: string }) => r.customer_id),
    balanceViolations: balances.map((r: { id: string }) => r.id),
    negativeStock: negative.map((r: { sku: string }) => r.sku),
    duplicateKeys: duplicates,
  };
}
