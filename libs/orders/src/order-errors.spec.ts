import { isStaleServerError } from '@orderflow/persistence/data-source';
import { isTransientError, PlacementConflictError, StaleLockError } from './order-errors';

const pgError = (code: string, message = 'error') => Object.assign(new Error(message), { code });

describe('classifying what a writer failover throws', () => {
  it('retries what a failover throws: a read-only server, a server shutting down or starting, a lost connection', () => {
    for (const code of ['25006', '57P01', '57P02', '57P03', '08006', '08001', '08003', '40001', '40P01']) {
      expect([code, isTransientError(pgError(code))]).toEqual([code, true]);
    }
    expect(isTransientError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientError(Object.assign(new Error('query failed'), { cause: pgError('25006') }))).toBe(true);
  });

  it('retries a placement outrun by concurrent writes, and a lost lock', () => {
    expect(isTransientError(new PlacementConflictError('c-1', 5))).toBe(true);
    expect(isTransientError(new StaleLockError('c-1'))).toBe(true);
  });

  it('does not retry what will fail again: bad data, a missing table, a violated constraint', () => {
    for (const code of ['22P02', '42P01', '23505', '25P02']) expect([code, isTransientError(pgError(code))]).toEqual([code, false]);
  });

  it('discards a connection that reached a read-only or stopping server, and keeps one that met a bad statement', () => {
    for (const code of ['25006', '57P01', '57P02', '57P03']) expect(isStaleServerError(pgError(code))).toBe(true);
    for (const code of ['23505', '40001', '42P01']) expect(isStaleServerError(pgError(code))).toBe(false);
    expect(isStaleServerError(null)).toBe(false);
  });
});
