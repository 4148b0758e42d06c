import { PhaseResult, tableRow, throughputChart } from './bench-report';

const phase = (kind: PhaseResult['kind'], concurrency: number, ordersPerSecond: number, p99Ms: number): PhaseResult => ({
  id: `${kind}-${concurrency}`,
  kind,
  label: kind,
  concurrency,
  orders: ordersPerSecond * 10,
  errors: 0,
  errorKinds: {},
  seconds: 10,
  ordersPerSecond,
  latency: { count: 1, meanMs: 1, p50Ms: 1, p95Ms: 1, p99Ms, maxMs: p99Ms },
});

describe('benchmark report', () => {
  it('draws raw limit, REST throughput and REST p99 against concurrency', () => {
    const svg = throughputChart([phase('raw', 1, 900, 2), phase('raw', 16, 3000, 9), phase('rest', 1, 400, 4), phase('rest', 16, 1600, 30)], 'a < b');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a &lt; b');
    // one line per series: raw, REST, REST p99
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg).toContain('>1600<');
  });

  it('shows the violated invariants by name in the table', () => {
    const row = tableRow({ ...phase('rest', 16, 1600, 30), invariants: { ok: false, accepted: 1, processed: 0, lost: 1, duplicated: 0, orderNumberGaps: 0, fifoViolations: 0, creditViolations: 0, stockViolations: 0, eventsMissing: 0, eventsOutOfOrder: 0 } });
    expect(row[row.length - 1]).toBe('lost=1');
  });
});
