import { FieldError } from '@orderflow/contracts/schema-validator';
import { ID_PATTERN } from '@orderflow/contracts/place-order.schema';
import { problems } from '@orderflow/http/problem';

const ID = new RegExp(ID_PATTERN);

/** Path ids follow the same rule as ids in bodies. */
export function validId(name: string, value: string): string {
  if (!ID.test(value)) throw problems.validation([{ field: name, message: 'must be 1..64 chars of [A-Za-z0-9._:-]' }]);
  return value;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** `limit` (1..500, default 50) and `after` (a cursor: an orderNumber, an audit id; default 0). */
export function parsePageQuery(query: Record<string, unknown>, maxAfter = 2147483647): { limit: number; after: number } {
  const errors: FieldError[] = [];
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = query[name];
    if (raw === undefined || raw === '') return fallback;
    const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      errors.push({ field: name, message: `must be an integer between ${min} and ${max}` });
    }
    return value;
  };
  const limit = int('limit', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  const after = int('after', 0, 0, maxAfter);
  if (errors.length) throw problems.validation(errors);
  return { limit, after };
}
