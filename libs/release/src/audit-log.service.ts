import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditEntry, AuditRecord, AuditRepository } from '@orderflow/persistence/audit.repository';

export interface AuditPage {
  entries: AuditRecord[];
  /** Cursor for the next page (the last id), null at the end. */
  nextCursor: string | null;
}

/**
 * The audit log outside a transaction: for admin actions whose state is not in PostgreSQL
 * (maintenance mode lives in Redis) and for reading. Actions on PostgreSQL state write their
 * entry in their own transaction instead (AccountsService, ReleaseService).
 */
export class AuditLogService {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly db: DataSource,
    private readonly audit = new AuditRepository(),
  ) {}

  /**
   * Records an action that already happened elsewhere. Maintenance mode is switched on precisely
   * when PostgreSQL may be down: then the entry goes to the log instead of failing the action.
   */
  async recordDone(entry: AuditEntry): Promise<void> {
    try {
      await this.audit.append(this.db.manager, entry);
    } catch (error) {
      this.logger.error({ audit: entry, err: error }, 'audit entry not stored in PostgreSQL; it is kept in this log line');
    }
  }

  async page(afterId: number, limit: number): Promise<AuditPage> {
    const rows = await this.audit.page(this.db.manager, afterId, limit + 1);
    const entries = rows.slice(0, limit);
    return { entries, nextCursor: rows.length > limit ? String(entries[entries.length - 1].id) : null };
  }
}
