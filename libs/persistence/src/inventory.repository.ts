import { EntityManager } from 'typeorm';
import { queryPrepared, queryRows } from './sql';

/** SQL for stock records. Stock rows are shared across customers, so they are always locked in SKU order. */
export class InventoryRepository {
  /**
   * Adds (positive) or takes (negative) quantities; the CHECK keeps stock from going negative.
   * The rows are locked in SKU order first (an UPDATE alone locks them in the order its scan
   * meets them, which could deadlock against a placement locking the same SKUs).
   */
  async adjust(manager: EntityManager, deltas: ReadonlyMap<string, number>): Promise<void> {
    if (deltas.size === 0) return;
    const skus = [...deltas.keys()].sort();
    await queryPrepared(
      manager,
      `WITH locked AS (SELECT sku FROM inventory WHERE sku = ANY($1::varchar[]) ORDER BY sku FOR UPDATE)
       UPDATE inventory SET available = available + ($2::int[])[array_position($1::varchar[], sku)], updated_at = now()
       WHERE sku IN (SELECT sku FROM locked)`,
      [skus, skus.map((sku) => deltas.get(sku))],
    );
  }

  async put(manager: EntityManager, sku: string, available: number): Promise<{ sku: string; available: number; created: boolean }> {
    const rows = await queryRows<{ sku: string; available: number; created: boolean }>(
      manager,
      `INSERT INTO inventory (sku, available) VALUES ($1, $2)
       ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, updated_at = now()
       RETURNING sku, available, (xmax = 0) AS created`,
      [sku, available],
    );
    return rows[0];
  }

  async find(manager: EntityManager, sku: string, forUpdate = false): Promise<{ sku: string; available: number; updatedAt: string } | null> {
    const rows = await queryRows<{ sku: string; available: number; updated_at: Date }>(
      manager,
      `SELECT sku, available, updated_at FROM inventory WHERE sku = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [sku],
    );
    return rows.length ? { sku: rows[0].sku, available: rows[0].available, updatedAt: rows[0].updated_at.toISOString() } : null;
  }
}
