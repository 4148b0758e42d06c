import { createHmac, timingSafeEqual } from 'node:crypto';
import { ServiceVersions, isService, isVersion } from './release-types';

/**
 * The route token: `<payload>.<sig>`, payload = base64url(JSON {c, v, exp, k}), sig =
 * base64url(HMAC-SHA256(secret of key k, payload as sent)), no padding. The router (njs) verifies
 * the same format, so the format is the contract in docs/releases.md.
 */

export const ROUTE_COOKIE = 'orderflow_route';
export const ROUTE_HEADER = 'orderflow-route';

export interface RouteTokenKey {
  id: string;
  secret: string;
}

/** The configured keys: the first signs, every one verifies (rotation). */
export type RouteTokenKeys = readonly RouteTokenKey[];

export interface RouteClaims {
  customerId: string;
  versions: ServiceVersions;
  /** Unix seconds. */
  expiresAt: number;
  keyId: string;
}

export type VerifyResult =
  | { ok: true; claims: RouteClaims }
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' };

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const MIN_SECRET_LENGTH = 32;

/** Parses `kid1:secret1,kid2:secret2`; returns the problems instead of throwing (config reports them). */
export function parseRouteTokenKeys(raw: string): { keys: RouteTokenKey[]; problems: string[] } {
  const keys: RouteTokenKey[] = [];
  const problems: string[] = [];
  raw.split(',').forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const secret = colon < 0 ? '' : entry.slice(colon + 1).trim();
    // Never echo a secret in a problem: name the entry by position and key id only.
    if (colon < 0) problems.push(`entry ${index + 1} is not <key id>:<secret>`);
    else if (!KEY_ID_PATTERN.test(id)) problems.push(`entry ${index + 1}: the key id must be 1..32 chars of [A-Za-z0-9_-]`);
    else if (secret.length < MIN_SECRET_LENGTH) problems.push(`key ${id}: the secret must be at least ${MIN_SECRET_LENGTH} characters`);
    else if (keys.some((key) => key.id === id)) problems.push(`key ${id}: appears twice`);
    else keys.push({ id, secret });
  });
  return { keys, problems };
}

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function signRouteToken(keys: RouteTokenKeys, customerId: string, versions: ServiceVersions, expiresAt: number): string {
  const key = keys[0];
  if (!key) throw new Error('no route token key configured');
  const payload = Buffer.from(JSON.stringify({ c: customerId, v: versions, exp: expiresAt, k: key.id })).toString('base64url');
  return `${payload}.${sign(payload, key.secret)}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function verifyRouteToken(keys: RouteTokenKeys, token: string, nowSeconds = Math.floor(Date.now() / 1000)): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 2 || !BASE64URL.test(parts[0]) || !BASE64URL.test(parts[1])) return { ok: false, reason: 'malformed' };
  const [payload, signature] = parts;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = claimsOf(decoded);
  if (!claims) return { ok: false, reason: 'malformed' };
  const key = keys.find((candidate) => candidate.id === claims.keyId);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const expected = Buffer.from(sign(payload, key.secret));
  const presented = Buffer.from(signature);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return { ok: false, reason: 'bad-signature' };
  if (claims.expiresAt <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function claimsOf(value: unknown): RouteClaims | null {
  if (typeof value !== 'object' || value === null) return null;
  const { c, v, exp, k } = value as Record<string, unknown>;
  if (typeof c !== 'string' || typeof k !== 'string' || !Number.isSafeInteger(exp)) return null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const versions: ServiceVersions = {};
  for (const [service, version] of Object.entries(v)) {
    if (!isService(service) || !isVersion(version)) return null;
    versions[service] = version;
  }
  return { customerId: c, versions, expiresAt: exp as number, keyId: k };
}
