import { EntityManager } from 'typeorm';
import { queryRows } from './sql';

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  at: string;
}

/** The append-only audit log of admin and release actions. */
export class AuditRepository {
  async append(manager: EntityManager, entry: AuditEntry): Promise<void> {
    await queryRows(manager, `INSERT INTO audit_log (actor, action, target, before, after) VALUES ($1, $2, $3, $4, $5)`, [
      entry.actor,
      entry.action,
      entry.target,
      entry.before === undefined || entry.before === null ? null : JSON.stringify(entry.before),
      entry.after === undefined || entry.after === null ? null : JSON.stringify(entry.after),
    ]);
  }

  /** Entries after the cursor (an id), oldest first. */
  async page(manager: EntityManager, afterId: number, limit: number): Promise<AuditRecord[]> {
    const rows = await queryRows<{ id: string; at: Date; actor: string; action: string; target: string; before: unknown; after: unknown }>(
      manager,
      `SELECT id, at, actor, action, target, before, after FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((row) => ({ id: Number(row.id), at: row.at.toISOString(), actor: row.actor, action: row.action, target: row.target, before: row.before, after: row.after }));
  }
}
