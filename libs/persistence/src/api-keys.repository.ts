import { EntityManager } from 'typeorm';
import { queryRows } from './sql';

export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: string[];
}

/** API keys are stored as SHA-256 hashes only; the key itself is shown once at creation. */
export class ApiKeysRepository {
  async insert(manager: EntityManager, key: { id: string; name: string; keyHash: string; scopes: string[] }): Promise<void> {
    await queryRows(manager, `INSERT INTO api_keys (id, name, key_hash, scopes) VALUES ($1, $2, $3, $4)`, [
      key.id,
      key.name,
      key.keyHash,
      key.scopes,
    ]);
  }

  async findActiveByHash(manager: EntityManager, keyHash: string): Promise<ApiKeyRecord | null> {
    const rows = await queryRows<ApiKeyRecord>(
      manager,
      `SELECT id, name, scopes FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [keyHash],
    );
    return rows[0] ?? null;
  }

  async list(manager: EntityManager): Promise<Array<ApiKeyRecord & { createdAt: string; revokedAt: string | null }>> {
    const rows = await queryRows<ApiKeyRecord & { created_at: Date; revoked_at: Date | null }>(
      manager,
      `SELECT id, name, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at`,
    );
    return rows.map((r) => ({ id: r.id, name: r.name, scopes: r.scopes, createdAt: r.created_at.toISOString(), revokedAt: r.revoked_at?.toISOString() ?? null }));
  }

  async revoke(manager: EntityManager, id: string): Promise<boolean> {
    const rows = await queryRows(manager, `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id]);
    return rows.length > 0;
  }
}
