import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiKeysRepository } from '@orderflow/persistence/api-keys.repository';
import { SCOPES, generateApiKey, hashApiKey, isScope } from './api-key';

/** Creates a key and returns it in clear: the only moment it exists outside its holder. */
export async function createApiKey(db: DataSource, name: string, scopes: string[]): Promise<{ id: string; key: string }> {
  const bad = scopes.filter((scope) => !isScope(scope));
  if (bad.length || scopes.length === 0) {
    throw new Error(`scopes must be a non-empty list of ${SCOPES.join(', ')}; got ${scopes.join(',') || 'nothing'}`);
  }
  if (!name.trim() || name.length > 100) throw new Error('name must be 1..100 characters');
  const key = generateApiKey();
  const id = randomUUID();
  await new ApiKeysRepository().insert(db.manager, { id, name, keyHash: hashApiKey(key), scopes: [...new Set(scopes)] });
  return { id, key };
}
