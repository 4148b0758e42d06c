/** Plain data of releases, shared by the session endpoint, the release service and the router. */

export const SERVICES = ['api', 'worker', 'reporting'] as const;
export type Service = (typeof SERVICES)[number];

export function isService(value: unknown): value is Service {
  return typeof value === 'string' && (SERVICES as readonly string[]).includes(value);
}

/** Semver-ish version strings: what ORDERFLOW_VERSION, pins and releases accept. */
export const VERSION_PATTERN = '^[0-9A-Za-z.+-]{1,40}$';
const VERSION = new RegExp(VERSION_PATTERN);

export function isVersion(value: unknown): value is string {
  return typeof value === 'string' && VERSION.test(value);
}

export type ReleaseStatus = 'running' | 'promoted' | 'aborted' | 'completed';
export type DecisionAction = 'advance' | 'abort' | 'complete' | 'hold';

/** The version of each service a customer is routed to. */
export type ServiceVersions = Partial<Record<Service, string>>;

/** Limits a candidate must stay within, compared with stable, for a step to advance by itself. */
export interface ReleaseBounds {
  [name: string]: unknown;
}

/** One rollout of a candidate version of one service, as the router and the session endpoint see it. */
export interface Rollout {
  id: string;
  service: Service;
  stableVersion: string;
  candidateVersion: string;
  /** Share of customers (0..100) whose bucket puts them on the candidate. */
  percent: number;
  stepIndex: number;
  steps: number[];
  stepSeconds: number;
  stepStartedAt: string;
  status: ReleaseStatus;
  bounds: ReleaseBounds;
}

export interface RoutingState {
  /**
   * The stable version per service. A service is absent until its first release is started (its
   * stable version is recorded then): until that moment every live instance of it counts as stable.
   */
  stable: ServiceVersions;
  /** The running rollouts (at most one per service). */
  rollouts: Rollout[];
  /** Candidate versions of aborted releases that are neither stable nor running again: route to stable. */
  abortedVersions: Partial<Record<Service, string[]>>;
}

/** A customer's explicit pins, per service. */
export type CustomerPins = Partial<Record<Service, string>>;
