import { createHash } from 'node:crypto';
import { PlaceOrderCommand } from './order';

/**
 * A stable hash of what an order asks for, so that a replay with the same idempotency key
 * can be told apart from a different order reusing the key (409).
 */
export function requestFingerprint(command: PlaceOrderCommand): string {
  const relevant = {
    currency: command.currency,
    items: command.items.map((i) => [i.sku, i.quantity, i.unitPriceCents]),
    shippingAddress: command.shippingAddress ?? null,
    metadata: command.metadata ?? null,
  };
  return createHash('sha256').update(canonicalJson(relevant)).digest('hex');
}

/** JSON with object keys sorted, so that key order in the request does not change the hash. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
