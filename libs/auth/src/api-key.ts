import { createHash, randomBytes } from 'node:crypto';

export const SCOPES = ['orders:write', 'orders:read', 'admin', 'reports:read'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** A new key: 32 random bytes, prefixed so that leaked keys are easy to grep for. */
export function generateApiKey(): string {
  return `of_${randomBytes(32).toString('base64url')}`;
}

/** Keys are random and long, so a fast hash is enough; only the hash is stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
