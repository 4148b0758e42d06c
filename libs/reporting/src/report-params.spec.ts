import { parseDate, parseSalesQuery, parseStatusQuery, parseTopSkusQuery } from './report-params';

const fieldsOf = (validation: { ok: boolean; errors?: Array<{ field: string }> }) => (validation.ok ? [] : validation.errors!.map((e) => e.field));

describe('report parameters', () => {
  it('reads a range of UTC days with both ends included', () => {
    const parsed = parseSalesQuery({ from: '2026-11-01', to: '2026-11-30', granularity: 'week', currency: 'EUR' });
    expect(parsed).toEqual({
      ok: true,
      value: {
        range: { from: '2026-11-01', to: '2026-11-30', start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-12-01T00:00:00Z'), days: 30 },
        granularity: 'week',
        currency: 'EUR',
      },
    });
  });

  it('defaults to daily sales in every currency and ten top SKUs', () => {
    expect(parseSalesQuery({ from: '2026-11-01', to: '2026-11-01' })).toMatchObject({ ok: true, value: { granularity: 'day', currency: null } });
    expect(parseTopSkusQuery({ from: '2026-11-01', to: '2026-11-01' })).toMatchObject({ ok: true, value: { limit: 10, currency: null } });
  });

  it('accepts only real calendar dates written YYYY-MM-DD', () => {
    expect(parseDate('2028-02-29')).toEqual(new Date('2028-02-29T00:00:00Z'));
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-1', '26-01-01', '2026-01-01T00:00:00Z', 'yesterday', '1969-12-31']) {
      expect(parseDate(bad)).toBeNull();
    }
  });

  it('refuses from after to, and more than 366 days by day', () => {
    expect(fieldsOf(parseStatusQuery({ from: '2026-03-02', to: '2026-03-01' }))).toEqual(['from']);
    expect(parseSalesQuery({ from: '2025-01-01', to: '2026-01-01', granularity: 'day' }).ok).toBe(true); // 366 days
    expect(fieldsOf(parseSalesQuery({ from: '2025-01-01', to: '2026-01-02', granularity: 'day' }))).toEqual(['to']);
    expect(parseSalesQuery({ from: '2016-01-01', to: '2025-12-31', granularity: 'month' }).ok).toBe(true);
    expect(fieldsOf(parseSalesQuery({ from: '2000-01-01', to: '2025-12-31', granularity: 'month' }))).toEqual(['to']);
  });

  it('names every bad parameter at once, including unknown and repeated ones', () => {
    expect(fieldsOf(parseSalesQuery({ from: 'x', granularity: 'year', currency: 'ZZZ', curency: 'EUR' }))).toEqual(
      expect.arrayContaining(['from', 'to', 'granularity', 'currency', 'curency']),
    );
    expect(fieldsOf(parseStatusQuery({ from: ['2026-01-01', '2026-01-02'], to: '2026-01-03' }))).toEqual(['from']);
    expect(fieldsOf(parseTopSkusQuery({ from: '2026-01-01', to: '2026-01-01', limit: '1e2' }))).toEqual(['limit']);
    expect(fieldsOf(parseTopSkusQuery({ from: '2026-01-01', to: '2026-01-01', limit: '101' }))).toEqual(['limit']);
  });
});
