import { TrafficFigures, parseAccessLine } from './traffic-figures';

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ t: 1000.5, rid: 'r', method: 'GET', uri: '/v1/orders', version: '2.0.0', status: 200, request_time: 0.012, upstream: '127.0.0.1:1', upstream_status: '200', ...fields });

describe('parseAccessLine', () => {
  it('reads the fields the analysis needs from nginx JSON', () => {
    expect(parseAccessLine(line({}))).toEqual({ at: 1000500, version: '2.0.0', status: 200, requestMs: 12, upstreamTimeout: false });
  });

  it('sees an upstream timeout even when the next upstream answered', () => {
    expect(parseAccessLine(line({ upstream_status: '504, 200' }))?.upstreamTimeout).toBe(true);
    expect(parseAccessLine(line({ upstream_status: '504' }))?.upstreamTimeout).toBe(true);
    expect(parseAccessLine(line({ upstream_status: '502, 200' }))?.upstreamTimeout).toBe(false);
    expect(parseAccessLine(line({ upstream_status: '5040' }))?.upstreamTimeout).toBe(false);
  });

  it('skips probes and lines that are not the router format', () => {
    expect(parseAccessLine(line({ uri: '/health/ready' }))).toBeNull();
    expect(parseAccessLine('not json')).toBeNull();
    expect(parseAccessLine(JSON.stringify({ t: 'x' }))).toBeNull();
  });
});

describe('TrafficFigures', () => {
  it('counts requests, 5xx and timeouts per version within the window, with p95 accurate to 5%', () => {
    const figures = new TrafficFigures();
    for (let i = 1; i <= 100; i++) {
      figures.add({ at: 10_000 + i, version: '2.0.0', status: i <= 3 ? 503 : 200, requestMs: i, upstreamTimeout: i === 1 });
    }
    figures.add({ at: 10_500, version: '1.0.0', status: 200, requestMs: 5, upstreamTimeout: false });
    figures.add({ at: 20_000, version: '2.0.0', status: 500, requestMs: 1, upstreamTimeout: false }); // after the window
    const candidate = figures.figures('2.0.0', 10_000, 20_000);
    expect(candidate).toMatchObject({ requests: 100, errors5xx: 3, errorRate: 0.03, timeouts: 1, timeoutRate: 0.01 });
    expect(candidate.p95Ms).toBeGreaterThanOrEqual(95);
    expect(candidate.p95Ms).toBeLessThanOrEqual(95 * 1.05);
    expect(figures.figures('1.0.0', 10_000, 20_000).requests).toBe(1);
    expect(figures.figures('3.0.0', 10_000, 20_000)).toEqual({ requests: 0, errors5xx: 0, errorRate: 0, timeouts: 0, timeoutRate: 0, p95Ms: null });
  });

  it('forgets seconds older than its retention', () => {
    const figures = new TrafficFigures(60_000);
    figures.add({ at: 1_000, version: 'v', status: 200, requestMs: 1, upstreamTimeout: false });
    figures.trim(100_000);
    expect(figures.figures('v', 0, 200_000).requests).toBe(0);
  });
});
