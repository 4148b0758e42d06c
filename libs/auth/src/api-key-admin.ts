import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiKeysRepository } from '@orderflow/persistence/api-keys.repository';
import { SCOPES, generateApiKey, hashApiKey, isScope } from './api-key';

export interface KeyRateLimit {
  /** Sustained requests per second. */
  ratePerSecond: number;
  /** Requests allowed at once after a quiet period; at least 1. */
  burst: number;
}

/**
 * Creates a key and returns it in clear: the only moment it exists outside its holder. Without
 * `rateLimit` the key gets the configured default (API_RATE_LIMIT_PER_SECOND / _BURST).
 */
export async function createApiKey(db: DataSource, name: string, scopes: string[], rateLimit?: KeyRateLimit): Promise<{ id: string; key: string }> {
  const bad = scopes.filter((scope) => !isScope(scope));
  if (bad.length || scopes.length === 0) {
    throw new Error(`scopes must be a non-empty list of ${SCOPES.join(', ')}; got ${scopes.join(',') || 'nothing'}`);
  }
  if (!name.trim() || name.length > 100) throw new Error('name must be 1..100 characters');
  if (rateLimit) {
    for (const [field, value] of Object.entries(rateLimit)) {
      if (!Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) throw new Error(`${field} must be a positive integer, got ${value}`);
    }
  }
  const key = generateApiKey();
  const id = randomUUID();
  await new ApiKeysRepository().insert(db.manager, { id, name, keyHash: hashApiKey(key), scopes: [...new Set(scopes)], ...rateLimit });
  return { id, key };
}
