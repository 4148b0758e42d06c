import { EntityManager } from 'typeorm';
import { queryPrepared, queryRows } from './sql';

/** SQL for stock records. Stock rows are shared across customers, so they are always locked in SKU order. */
export class InventoryRepository {
  /** Adds (positive) or takes (negative) quantities; the CHECK keeps stock from going negative. */
  async adjust(manager: EntityManager, deltas: ReadonlyMap<string, number>): Promise<void> {
    if (deltas.size === 0) return;
    const skus = [...deltas.keys()].sort();
    await queryPrepared(
      manager,
      `UPDATE inventory SET available = available + d.delta, updated_at = now()
       FROM unnest($1::varchar[], $2::int[]) AS d(sku, delta) WHERE inventory.sku = d.sku`,
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
