import { ISO_4217_CODES } from '@orderflow/contracts/currencies';
import { FieldError, Validation } from '@orderflow/contracts/schema-validator';

/**
 * The query parameters of the report routes and of the export command, parsed and checked in
 * one place. Dates are calendar days in UTC, both ends included: `from=2026-11-01&to=2026-11-30`
 * is the whole of November.
 */

export type Granularity = 'day' | 'week' | 'month';
export const GRANULARITIES: readonly Granularity[] = ['day', 'week', 'month'];

/** A day-granularity report has at most one row per day and currency: a year is enough. */
export const MAX_DAY_GRANULARITY_DAYS = 366;
/** Every other report and the export: ten years. */
export const MAX_RANGE_DAYS = 3660;
export const DEFAULT_TOP_SKUS = 10;
export const MAX_TOP_SKUS = 100;

export interface DateRange {
  /** As given: YYYY-MM-DD. */
  from: string;
  to: string;
  /** First instant of `from` (UTC). */
  start: Date;
  /** First instant after `to` (UTC): the range is [start, end). */
  end: Date;
  days: number;
}

export interface SalesQuery {
  range: DateRange;
  granularity: Granularity;
  currency: string | null;
}

export interface StatusQuery {
  range: DateRange;
}

export interface TopSkusQuery {
  range: DateRange;
  limit: number;
  currency: string | null;
}

type Query = Record<string, unknown>;

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not), between 1970 and 9999. */
export function parseDate(value: string): Date | null {
  const match = DATE.exec(value);
  if (!match || Number(match[1]) < 1970) return null;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value ? null : date;
}

export function formatDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** `from`..`to` inclusive, at most `maxDays` days; problems are added to `errors`. */
export function dateRange(
  from: string | undefined | null,
  to: string | undefined | null,
  maxDays: number,
  errors: FieldError[],
): DateRange | null {
  const start = checkedDate('from', from, errors);
  const last = checkedDate('to', to, errors);
  if (!start || !last) return null;
  if (start > last) {
    errors.push({ field: 'from', message: 'must not be after to' });
    return null;
  }
  const days = Math.round((last.getTime() - start.getTime()) / DAY_MS) + 1;
  if (days > maxDays) {
    errors.push({ field: 'to', message: `the range may span at most ${maxDays} days, got ${days}` });
    return null;
  }
  return { from: from!, to: to!, start, end: new Date(last.getTime() + DAY_MS), days };
}

export function parseSalesQuery(query: Query): Validation<SalesQuery> {
  const errors = unknownParameters(query, ['from', 'to', 'granularity', 'currency']);
  const granularityRaw = single(query, 'granularity', errors);
  const granularity = GRANULARITIES.find((g) => g === (granularityRaw ?? 'day')) ?? null;
  if (!granularity && granularityRaw !== null) errors.push({ field: 'granularity', message: `must be one of ${GRANULARITIES.join(', ')}` });
  const maxDays = granularity === 'day' ? MAX_DAY_GRANULARITY_DAYS : MAX_RANGE_DAYS;
  const range = dateRange(single(query, 'from', errors), single(query, 'to', errors), maxDays, errors);
  const currency = parseCurrency(query, errors);
  return errors.length ? { ok: false, errors } : { ok: true, value: { range: range!, granularity: granularity!, currency } };
}

export function parseStatusQuery(query: Query): Validation<StatusQuery> {
  const errors = unknownParameters(query, ['from', 'to']);
  const range = dateRange(single(query, 'from', errors), single(query, 'to', errors), MAX_RANGE_DAYS, errors);
  return errors.length ? { ok: false, errors } : { ok: true, value: { range: range! } };
}

export function parseTopSkusQuery(query: Query): Validation<TopSkusQuery> {
  const errors = unknownParameters(query, ['from', 'to', 'limit', 'currency']);
  const range = dateRange(single(query, 'from', errors), single(query, 'to', errors), MAX_RANGE_DAYS, errors);
  const limitRaw = single(query, 'limit', errors);
  const limit = limitRaw === undefined ? DEFAULT_TOP_SKUS : limitRaw !== null && /^\d{1,3}$/.test(limitRaw) ? Number(limitRaw) : NaN;
  if (limitRaw !== null && !(limit >= 1 && limit <= MAX_TOP_SKUS)) errors.push({ field: 'limit', message: `must be an integer between 1 and ${MAX_TOP_SKUS}` });
  const currency = parseCurrency(query, errors);
  return errors.length ? { ok: false, errors } : { ok: true, value: { range: range!, limit, currency } };
}

function checkedDate(field: string, value: string | undefined | null, errors: FieldError[]): Date | null {
  if (value === null) return null;
  if (value === undefined) {
    errors.push({ field, message: 'is required (YYYY-MM-DD)' });
    return null;
  }
  const date = parseDate(value);
  if (!date) errors.push({ field, message: 'must be a date written YYYY-MM-DD' });
  return date;
}

function parseCurrency(query: Query, errors: FieldError[]): string | null {
  const value = single(query, 'currency', errors);
  if (value === undefined || value === null) return null;
  if (!ISO_4217_CODES.has(value)) {
    errors.push({ field: 'currency', message: 'must be an ISO 4217 currency code' });
    return null;
  }
  return value;
}

/**
 * One string value, undefined when absent (an empty value counts as absent), null when already
 * refused: `?a=1&a=2` arrives as an array.
 */
function single(query: Query, name: string, errors: FieldError[]): string | undefined | null {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') {
    errors.push({ field: name, message: 'must be given once' });
    return null;
  }
  return value;
}

/** A misspelt parameter would silently widen a report (`?curency=EUR`): refuse it. */
function unknownParameters(query: Query, known: readonly string[]): FieldError[] {
  return Object.keys(query)
    .filter((name) => !known.includes(name))
    .map((name) => ({ field: name, message: `is not a parameter of this report (${known.join(', ')})` }));
}
