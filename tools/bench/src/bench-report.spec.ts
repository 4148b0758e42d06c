import { PhaseResult, tableRow, throughputChart } from './bench-report';
import { targets } from './bench-run';

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

describe('benchmark targets', () => {
  const cpu = (api: number, generator: number, postgres = 400, worker = 0) => ({ api: api / 1000, 'load generator': generator / 1000, postgres: postgres / 1000, worker: worker / 1000 });

  it('compares the mixed run with the solo phases of the same run, and the generator with the API', () => {
    const phases: PhaseResult[] = [
      phase('raw', 16, 2000, 10),
      { ...phase('rest', 16, 1600, 40), cpuMsPerOrder: cpu(400, 90) },
      { ...phase('rest', 1, 400, 4), cpuMsPerOrder: cpu(800, 250) },
      { ...phase('sqs', 0, 1000, 0), workers: 2, cpuMsPerOrder: cpu(0, 0, 400, 500) },
      phase('mixed-rest', 16, 700, 120),
      { ...phase('mixed-sqs', 0, 400, 0), workers: 2 },
    ];
    const byTarget = Object.fromEntries(targets(phases, 2000).map((t) => [t.target, t]));
    expect(byTarget['REST at 16 clients >= 0.75 x the raw lane at 16']).toMatchObject({ met: true, measured: expect.stringMatching(/^0\.80 /) });
    expect(byTarget['mixed: REST >= 0.5 x its solo throughput at 16']).toMatchObject({ met: false, measured: expect.stringMatching(/^0\.44 /) });
    expect(byTarget['mixed: REST p99 < 100 ms at 16 clients while the backlog drains'].met).toBe(false);
    expect(byTarget['mixed: the drain keeps >= 0.3 x its solo rate (2 workers)']).toMatchObject({ met: true, measured: expect.stringMatching(/^0\.40 /) });
    expect(byTarget['worker CPU <= 450 µs per order (SQS, 2 workers)']).toMatchObject({ met: false, measured: '500 µs' });
    // The worst REST phase counts: 250 of 800 µs at 1 client is more than a quarter.
    expect(byTarget["load generator CPU <= 1/4 of the API's per request (worst REST phase)"]).toMatchObject({ met: false, measured: '0.31 at 1 clients' });
  });
});
