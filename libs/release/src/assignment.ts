import { createHash } from 'node:crypto';
import { CustomerPins, RoutingState, SERVICES, ServiceVersions } from './release-types';

/** Buckets per rollout: 10000, so that a percent maps to whole buckets (10% = buckets 0..999). */
export const BUCKETS = 10_000;

/**
 * A customer's sticky bucket in one rollout: the first 4 bytes of SHA-256(`rolloutId:customerId`)
 * as an unsigned integer, mod 10000. It depends on the rollout and the customer only, so a
 * customer in the 10% group is still in it at 50%, and a new rollout reshuffles the groups.
 */
export function bucketOf(rolloutId: string, customerId: string): number {
  return createHash('sha256').update(`${rolloutId}:${customerId}`).digest().readUInt32BE(0) % BUCKETS;
}

export function inCandidateGroup(rolloutId: string, customerId: string, percent: number): boolean {
  return bucketOf(rolloutId, customerId) < percent * (BUCKETS / 100);
}

/**
 * The version of every service a customer is routed to: an explicit pin wins, unless it names a
 * version that was aborted (abort sends everyone back to stable); else the running rollout's
 * candidate for customers in its group; else stable. Services with no known stable version and no
 * pin are left out (the router then uses any live instance).
 */
export function assignVersions(customerId: string, state: RoutingState, pins: CustomerPins = {}): ServiceVersions {
  const versions: ServiceVersions = {};
  for (const service of SERVICES) {
    const pin = pins[service];
    if (pin !== undefined && !(state.abortedVersions[service] ?? []).includes(pin)) {
      versions[service] = pin;
      continue;
    }
    const rollout = state.rollouts.find((r) => r.service === service && r.status === 'running');
    if (rollout) {
      versions[service] = inCandidateGroup(rollout.id, customerId, rollout.percent) ? rollout.candidateVersion : rollout.stableVersion;
    } else if (state.stable[service] !== undefined) {
      versions[service] = state.stable[service];
    }
  }
  return versions;
}
