import { LockUnavailableError } from '@orderflow/locking/customer-lock';
import { ProblemDescription, ProblemError } from '@orderflow/domain/problem-error';

/** Failures of order commands that callers map once: to problem+json, or to retry/DLQ. */
export class OrderNotFoundError extends ProblemError {
  constructor(readonly orderId: string) {
    super(`order ${orderId} not found`);
    this.name = 'OrderNotFoundError';
  }

  problem(): ProblemDescription {
    return { status: 404, slug: 'not-found', detail: `Order ${this.orderId} does not exist` };
  }
}

export class IdempotencyConflictError extends ProblemError {
  constructor(readonly customerId: string, readonly clientOrderId: string) {
    super(`order ${clientOrderId} of customer ${customerId} exists with a different payload`);
    this.name = 'IdempotencyConflictError';
  }

  problem(): ProblemDescription {
    return { status: 409, slug: 'idempotency-key-conflict', detail: this.message };
  }
}

export class OrderNotCancellableError extends ProblemError {
  constructor(readonly orderId: string, readonly status: string) {
    super(`order ${orderId} is ${status} and cannot be cancelled`);
    this.name = 'OrderNotCancellableError';
  }

  problem(): ProblemDescription {
    return { status: 409, slug: 'order-not-cancellable', detail: this.message, extensions: { orderStatus: this.status } };
  }
}

/**
 * This holder may no longer write for the customer: a newer holder's fencing token is already
 * stored (its lock expired mid-work, e.g. a long pause), or the lease was lost (extension failed).
 */
export class StaleLockError extends Error {
  constructor(readonly customerId: string) {
    super(`lock of customer ${customerId} was taken over; commit refused`);
    this.name = 'StaleLockError';
  }
}

/**
 * Every snapshot a placement decided on was out of date by the time it wrote: other writes to the
 * customer's row or to its stock kept winning. Transient: the command may simply be retried.
 */
export class PlacementConflictError extends Error {
  constructor(readonly customerId: string, attempts: number) {
    super(`placement for customer ${customerId} conflicted with concurrent writes ${attempts} times`);
    this.name = 'PlacementConflictError';
  }
}

// 08 connection, 40 serialization/deadlock, 53 resources, 57 operator intervention (57P01
// admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now: a server stopping, restarting or
// still in recovery), 58 system errors.
const TRANSIENT_PG_CLASSES = ['08', '40', '53', '57', '58'];
/**
 * 25006 read_only_sql_transaction: the writer endpoint led to a server that is read-only, as during
 * a failover (Aurora moves the cluster endpoint's DNS after promoting a reader; pooled connections
 * and fresh ones resolved to the old address land on a reader for a while).
 */
const TRANSIENT_PG_CODES = new Set(['25006']);
const TRANSIENT_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when retrying later may succeed (a dependency is down or busy, a lock was lost);
 * false for failures that will repeat whatever happens (bad input, a bug).
 */
export function isTransientError(error: unknown): boolean {
  if (error instanceof StaleLockError || error instanceof LockUnavailableError || error instanceof PlacementConflictError) return true;
  // Not `instanceof Error`: errors raised by Node's own modules may come from another realm (Jest).
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message, cause } = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string') {
    if (code.length === 5 && (TRANSIENT_PG_CLASSES.includes(code.slice(0, 2)) || TRANSIENT_PG_CODES.has(code))) return true;
    if (TRANSIENT_NET_CODES.has(code)) return true;
  }
  if (name === 'MaxRetriesPerRequestError' || name === 'AbortError') return true;
  return (
    (typeof message === 'string' &&
      /Driver not Connected|Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Connection is closed|Stream isn't writeable|ECONNREFUSED|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery)|terminating connection/i.test(
        message,
      )) ||
    (cause !== undefined && cause !== error && isTransientError(cause))
  );
}
