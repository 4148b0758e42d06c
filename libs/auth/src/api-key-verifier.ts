import { DataSource } from 'typeorm';
import { ApiKeysRepository } from '@orderflow/persistence/api-keys.repository';
import { hashApiKey } from './api-key';

export interface Principal {
  keyId: string;
  name: string;
  scopes: ReadonlySet<string>;
  /** The key's own rate limit; null: the configured default. */
  ratePerSecond: number | null;
  burst: number | null;
}

const CACHE_TTL_MS = 30_000;
/** While the database is unreachable, a key verified within this window keeps working. */
const STALE_IF_ERROR_MS = 24 * 3600_000;
const CACHE_MAX = 10_000;

/**
 * Resolves a presented key to its principal. Results are cached briefly per process so that
 * authentication costs no database round trip per request; a revoked key stops working
 * within CACHE_TTL_MS.
 */
export class ApiKeyVerifier {
  private readonly cache = new Map<string, { principal: Principal | null; expires: number }>();

  constructor(
    private readonly db: DataSource,
    private readonly keys = new ApiKeysRepository(),
  ) {}

  async verify(presentedKey: string): Promise<Principal | null> {
    const keyHash = hashApiKey(presentedKey);
    const cached = this.cache.get(keyHash);
    if (cached && cached.expires > Date.now()) return cached.principal;
    let record;
    try {
      record = await this.keys.findActiveByHash(this.db.manager, keyHash);
    } catch (error) {
      // During database maintenance, known keys keep working so that orders can still be queued.
      if (cached && cached.expires + STALE_IF_ERROR_MS > Date.now()) return cached.principal;
      throw error;
    }
    const principal = record
      ? { keyId: record.id, name: record.name, scopes: new Set(record.scopes), ratePerSecond: record.ratePerSecond, burst: record.burst }
      : null;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(keyHash, { principal, expires: Date.now() + CACHE_TTL_MS });
    return principal;
  }
}
