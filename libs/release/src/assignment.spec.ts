import { assignVersions, bucketOf, inCandidateGroup } from './assignment';
import { Rollout, RoutingState } from './release-types';

const customers = Array.from({ length: 1000 }, (_, i) => `cust-${i}`);

function rollout(percent: number, id = '6f1c2a44-0d5e-4c3b-9a57-1e0f8d2b7c11'): Rollout {
  return {
    id,
    service: 'api',
    stableVersion: '1.0.0',
    candidateVersion: '2.0.0',
    percent,
    stepIndex: 0,
    steps: [10, 50, 100],
    stepSeconds: 60,
    stepStartedAt: '2026-12-01T00:00:00.000Z',
    status: 'running',
    bounds: {},
  };
}

function state(rollouts: Rollout[], abortedVersions: RoutingState['abortedVersions'] = {}): RoutingState {
  return { stable: { api: '1.0.0', worker: '1.4.0', reporting: '1.4.0' }, rollouts, abortedVersions };
}

const onCandidate = (percent: number) => customers.filter((c) => assignVersions(c, state([rollout(percent)])).api === '2.0.0');

describe('assignment', () => {
  it('computes the documented bucket: first 4 bytes of SHA-256(rolloutId:customerId) mod 10000', () => {
    // sha256("r:c") = 1f91ed49... -> 0x1f91ed49 = 529657161 -> mod 10000 = 7161
    expect(bucketOf('r', 'c')).toBe(7161);
    expect(inCandidateGroup('r', 'c', 71)).toBe(false);
    expect(inCandidateGroup('r', 'c', 72)).toBe(true);
  });

  it('puts 7-13% of 1,000 customers on the candidate at 10%, all of them still at 50%, everyone at 100%', () => {
    const at10 = onCandidate(10);
    const at50 = new Set(onCandidate(50));
    expect(at10.length).toBeGreaterThanOrEqual(70);
    expect(at10.length).toBeLessThanOrEqual(130);
    expect(at10.filter((c) => !at50.has(c))).toEqual([]);
    expect(at50.size).toBeGreaterThan(at10.length);
    expect(onCandidate(100)).toHaveLength(1000);
    expect(onCandidate(0)).toHaveLength(0);
  });

  it('gives every other service its stable version during an api rollout', () => {
    expect(assignVersions('cust-1', state([rollout(100)]))).toEqual({ api: '2.0.0', worker: '1.4.0', reporting: '1.4.0' });
  });

  it('reshuffles the groups for a new rollout', () => {
    const first = new Set(onCandidate(10));
    const second = customers.filter((c) => assignVersions(c, state([rollout(10, 'another-rollout')])).api === '2.0.0');
    expect(second.filter((c) => first.has(c)).length).toBeLessThan(second.length / 2);
  });

  it('lets a pin win over the rollout, except a pin to an aborted version', () => {
    const outside = customers.find((c) => assignVersions(c, state([rollout(10)])).api === '1.0.0')!;
    expect(assignVersions(outside, state([rollout(10)]), { api: '2.0.0' }).api).toBe('2.0.0');
    expect(assignVersions(outside, state([]), { worker: '9.9.9' })).toEqual({ api: '1.0.0', worker: '9.9.9', reporting: '1.4.0' });
    expect(assignVersions(outside, state([], { api: ['2.0.0'] }), { api: '2.0.0' }).api).toBe('1.0.0');
  });

  it('ignores rollouts that are not running and leaves out services with no known stable version', () => {
    expect(assignVersions('cust-1', state([{ ...rollout(100), status: 'aborted' }])).api).toBe('1.0.0');
    expect(assignVersions('cust-1', { stable: {}, rollouts: [], abortedVersions: {} })).toEqual({});
  });
});
