import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ISO_4217_CODES } from './currencies';

export interface FieldError {
  /** JSON Pointer to the offending field, e.g. `/items/0/quantity`. */
  field: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv, ['uuid', 'date-time']);
ajv.addKeyword({
  keyword: 'x-iso4217',
  type: 'string',
  validate: (enabled: boolean, code: string) => !enabled || ISO_4217_CODES.has(code),
  errors: false,
});

/** Compiles a JSON Schema once and returns a validator that reports every bad field. */
export function compileValidator<T>(schema: object): (input: unknown) => Validation<T> {
  const validate: ValidateFunction = ajv.compile(schema);
  return (input) => (validate(input) ? { ok: true, value: input as T } : { ok: false, errors: toFieldErrors(validate.errors) });
}

function toFieldErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors ?? []) {
    const field =
      error.keyword === 'required'
        ? `${error.instancePath}/${(error.params as { missingProperty: string }).missingProperty}`
        : error.keyword === 'additionalProperties'
          ? `${error.instancePath}/${(error.params as { additionalProperty: string }).additionalProperty}`
          : error.instancePath || '/';
    const message =
      error.keyword === 'x-iso4217'
        ? 'must be an ISO 4217 currency code'
        : error.keyword === 'additionalProperties'
          ? 'is not allowed'
          : error.keyword === 'required'
            ? 'is required'
            : (error.message ?? 'is invalid');
    // One message per field: the first broken rule is the useful one.
    if (!seen.has(field)) {
      seen.add(field);
      result.push({ field, message });
    }
  }
  return result;
}
