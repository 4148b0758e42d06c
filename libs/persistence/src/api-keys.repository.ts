import { EntityManager } from 'typeorm';
import { queryRows } from './sql';

export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: string[];
  /** Token bucket of this key; null: the configured default. */
  ratePerSecond: number | null;
  burst: number | null;
}

export interface NewApiKey {
  id: string;
  name: string;
  keyHash: string;
  scopes: string[];
  ratePerSecond?: number | null;
  burst?: number | null;
}

interface ApiKeyRow {
  id: string;
  name: string;
  scopes: string[];
  rate_per_second: number | null;
  burst: number | null;
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return { id: row.id, name: row.name, scopes: row.scopes, ratePerSecond: row.rate_per_second, burst: row.burst };
}

/** API keys are stored as SHA-256 hashes only; the key itself is shown once at creation. */
export class ApiKeysRepository {
  async insert(manager: EntityManager, key: NewApiKey): Promise<void> {
    await queryRows(manager, `INSERT INTO api_keys (id, name, key_hash, scopes, rate_per_second, burst) VALUES ($1, $2, $3, $4, $5, $6)`, [
      key.id,
      key.name,
      key.keyHash,
      key.scopes,
      key.ratePerSecond ?? null,
      key.burst ?? null,
    ]);
  }

  async findActiveByHash(manager: EntityManager, keyHash: string): Promise<ApiKeyRecord | null> {
    const rows = await queryRows<ApiKeyRow>(
      manager,
      `SELECT id, name, scopes, rate_per_second, burst FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(manager: EntityManager): Promise<Array<ApiKeyRecord & { createdAt: string; revokedAt: string | null }>> {
    const rows = await queryRows<ApiKeyRow & { created_at: Date; revoked_at: Date | null }>(
      manager,
      `SELECT id, name, scopes, rate_per_second, burst, created_at, revoked_at FROM api_keys ORDER BY created_at`,
    );
    return rows.map((r) => ({ ...toRecord(r), createdAt: r.created_at.toISOString(), revokedAt: r.revoked_at?.toISOString() ?? null }));
  }

  async revoke(manager: EntityManager, id: string): Promise<boolean> {
    const rows = await queryRows(manager, `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id]);
    return rows.length > 0;
  }
}
