import { assertLagWithin } from './replica-status';

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
