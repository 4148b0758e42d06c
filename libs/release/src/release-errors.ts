import { ProblemDescription, ProblemError } from '@orderflow/domain/problem-error';

/** Release errors, answered as problem+json (their problem types) and shown as CLI messages. */

/** The action does not fit the current release state (answered 409). */
export class ReleaseConflictError extends ProblemError {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseConflictError';
  }

  problem(): ProblemDescription {
    return { status: 409, slug: 'release-conflict', detail: this.message };
  }
}

/** A field of a release action is invalid (answered 400 with the fields). */
export class ReleaseInputError extends ProblemError {
  constructor(readonly errors: Array<{ field: string; message: string }>) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.name = 'ReleaseInputError';
  }

  problem(): ProblemDescription {
    return { status: 400, slug: 'validation-error', detail: `${this.errors.length} invalid field(s)`, extensions: { errors: this.errors } };
  }
}
