import { inCandidateGroup } from './assignment';
import { RoutingState, Rollout } from './release-types';
import { AssignmentUnknownError, WorkerAssignment } from './worker-assignment';

const rollout: Rollout = {
  id: '00000000-0000-4000-8000-000000000001',
  service: 'worker',
  stableVersion: '1.0.0',
  candidateVersion: '2.0.0',
  percent: 50,
  stepIndex: 1,
  steps: [10, 50, 100],
  stepSeconds: 300,
  stepStartedAt: new Date(0).toISOString(),
  status: 'running',
  bounds: {},
};

async function assignment(state: RoutingState, live: string[], pins: Array<{ customerId: string; version: string }> = [], ownVersion = '1.0.0') {
  const assigned = new WorkerAssignment({ routingState: async () => state, workerPins: async () => pins, liveVersions: async () => live, ownVersion });
  await assigned.refresh();
  return assigned;
}

describe('WorkerAssignment', () => {
  const customers = Array.from({ length: 200 }, (_, i) => `cust-${i}`);
  const candidateGroup = customers.filter((c) => inCandidateGroup(rollout.id, c, 50));

  it('gives each customer its rollout bucket, as the session endpoint does', async () => {
    const a = await assignment({ stable: { worker: '1.0.0' }, rollouts: [rollout], abortedVersions: {} }, ['1.0.0', '2.0.0']);
    expect(customers.filter((c) => a.versionFor(c) === '2.0.0')).toEqual(candidateGroup);
    expect(candidateGroup.length).toBeGreaterThan(50);
  });

  it('honours a pin, except one to an aborted version', async () => {
    const pins = [{ customerId: candidateGroup[0], version: '1.0.0' }, { customerId: 'pinned', version: '3.0.0' }];
    const a = await assignment({ stable: { worker: '1.0.0' }, rollouts: [rollout], abortedVersions: { worker: ['3.0.0'] } }, ['1.0.0', '2.0.0', '3.0.0'], pins);
    expect(a.versionFor(candidateGroup[0])).toBe('1.0.0');
    expect(a.versionFor('pinned')).toBe(inCandidateGroup(rollout.id, 'pinned', 50) ? '2.0.0' : '1.0.0');
  });

  it('sends customers of a version no live worker runs to stable, and knows nothing before the state was read', async () => {
    const a = await assignment({ stable: { worker: '1.0.0' }, rollouts: [rollout], abortedVersions: {} }, ['1.0.0']);
    expect(customers.every((c) => a.versionFor(c) === '1.0.0')).toBe(true);
    const unread = new WorkerAssignment({ routingState: async () => Promise.reject(new Error('down')), workerPins: async () => [], liveVersions: async () => [], ownVersion: '1.0.0' });
    expect(() => unread.versionFor('c')).toThrow(AssignmentUnknownError);
  });

  it('before any worker release, every worker keeps its own version', async () => {
    const a = await assignment({ stable: {}, rollouts: [], abortedVersions: {} }, ['1.0.0', '2.0.0'], [], '2.0.0');
    expect(a.versionFor('anyone')).toBe('2.0.0');
  });

  it('reads again after a read in flight when asked meanwhile: a change announced during a read is not lost', async () => {
    let state: RoutingState = { stable: { worker: '1.0.0' }, rollouts: [], abortedVersions: {} };
    let reads = 0;
    let releaseFirstRead!: () => void;
    const firstRead = new Promise<void>((done) => (releaseFirstRead = done));
    let firstReadStarted!: () => void;
    const firstReadRunning = new Promise<void>((done) => (firstReadStarted = done));
    const a = new WorkerAssignment({
      routingState: async () => {
        const seen = state;
        if (reads++ === 0) {
          firstReadStarted();
          await firstRead;
        }
        return seen;
      },
      workerPins: async () => [],
      liveVersions: async () => ['1.0.0', '2.0.0'],
      ownVersion: '1.0.0',
    });
    const first = a.refresh();
    await firstReadRunning;
    state = { ...state, rollouts: [rollout] };
    const announced = [a.refresh(), a.refresh()];
    releaseFirstRead();
    await Promise.all([first, ...announced]);
    expect(reads).toBe(2);
    expect(customers.filter((c) => a.versionFor(c) === '2.0.0')).toEqual(candidateGroup);
  });
});
