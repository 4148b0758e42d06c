import { percentile, summarize } from './latency';

describe('latency percentiles', () => {
  it('uses the nearest rank, so p99 of 100 samples is the 99th smallest', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
  });

  it('summarises unsorted samples and an empty phase', () => {
    expect(summarize([5, 1, 3])).toMatchObject({ count: 3, p50Ms: 3, maxMs: 5, meanMs: 3 });
    expect(summarize([])).toMatchObject({ count: 0, p99Ms: 0 });
  });
});
