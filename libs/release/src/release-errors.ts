/** Release errors, mapped once to problem+json (libs/http) and to CLI messages. */

/** The action does not fit the current release state (answered 409). */
export class ReleaseConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseConflictError';
  }
}

/** A field of a release action is invalid (answered 400 with the fields). */
export class ReleaseInputError extends Error {
  constructor(readonly errors: Array<{ field: string; message: string }>) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.name = 'ReleaseInputError';
  }
}
