/** Largest request body the apps accept; larger ones are answered 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;
