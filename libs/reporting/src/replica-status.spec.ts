import { assertLagWithin, auroraToStatus } from './replica-status';

describe('replica readiness', () => {
  const status = (lagSeconds: number | null) => ({ asOf: '2026-11-24T10:00:00.000Z', lagSeconds, inRecovery: true });

  it('is ready while the lag stays within the bound, and says how far behind it is', () => {
    expect(assertLagWithin(status(0), 30)).toEqual({ lagSeconds: 0, asOf: '2026-11-24T10:00:00.000Z', maxLagSeconds: 30 });
    expect(assertLagWithin(status(30), 30)).toMatchObject({ lagSeconds: 30 });
  });

  it('is not ready past the bound, or when the lag cannot be known', () => {
    expect(() => assertLagWithin(status(30.5), 30)).toThrow('replica lag 30.5 s exceeds MAX_REPLICA_LAG_SECONDS=30');
    expect(() => assertLagWithin(status(null), 30)).toThrow(/unknown/);
  });
});

describe('the status of an Aurora instance', () => {
  const now = new Date('2026-12-01T10:00:10.000Z');

  it('takes the lag from replica_lag_in_msec, and asOf as now minus the lag', () => {
    expect(auroraToStatus({ in_recovery: true, now, lag_ms: 1500 })).toEqual({ asOf: '2026-12-01T10:00:08.500Z', lagSeconds: 1.5, inRecovery: true });
    expect(auroraToStatus({ in_recovery: true, now, lag_ms: 0 })).toEqual({ asOf: now.toISOString(), lagSeconds: 0, inRecovery: true });
  });

  it('calls the lag unknown when the reader has no row or no value', () => {
    expect(auroraToStatus({ in_recovery: true, now, lag_ms: null })).toEqual({ asOf: null, lagSeconds: null, inRecovery: true });
    expect(auroraToStatus({ in_recovery: true, now, lag_ms: -1 })).toEqual({ asOf: null, lagSeconds: null, inRecovery: true });
  });

  it('reports the writer (a misconfigured reader URL) as not in recovery, as on community PostgreSQL', () => {
    expect(auroraToStatus({ in_recovery: false, now, lag_ms: null })).toEqual({ asOf: now.toISOString(), lagSeconds: 0, inRecovery: false });
  });
});
