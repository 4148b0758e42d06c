import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditRepository } from '@orderflow/persistence/audit.repository';
import { DecisionRow, ReleaseRow, ReleaseStateRepository } from '@orderflow/persistence/release-state.repository';
import { assignVersions } from './assignment';
import { ReleaseConflictError, ReleaseInputError } from './release-errors';
import { DEFAULT_STEP_SECONDS, DEFAULT_STEPS, stepProblems } from './release-steps';
import {
  CustomerPins,
  DecisionAction,
  ReleaseBounds,
  Rollout,
  RoutingState,
  SERVICES,
  Service,
  ServiceVersions,
  isService,
  isVersion,
} from './release-types';

export interface StartRelease {
  service: string;
  version: string;
  steps?: number[];
  stepSeconds?: number;
  /** Needed only for a service's first release when the live instances do not tell it. */
  stable?: string;
  bounds?: ReleaseBounds;
}

export type Release = Rollout & { createdBy: string; createdAt: string; updatedAt: string };
export type Decision = Omit<DecisionRow, 'action'> & { action: DecisionAction };

export interface ReleaseStatus {
  stable: ServiceVersions;
  /** The latest release of each service (running or finished), with its latest decisions, newest first. */
  releases: Array<Release & { decisions: Decision[] }>;
  abortedVersions: RoutingState['abortedVersions'];
}

/** Who acts when the controller decides by itself. */
export const CONTROLLER_ACTOR = 'controller';
const DECISIONS_IN_STATUS = 5;

/**
 * The release state machine over PostgreSQL (docs/releases.md): start, step (advance/promote),
 * complete, abort, pins, and the routing state the session endpoint and the router read. Every
 * change runs in one transaction with its decision row, its audit row and a NOTIFY on
 * `orderflow_release` (delivered at commit).
 */
export class ReleaseService {
  constructor(
    private readonly db: DataSource,
    /** The versions of a service's live instances (from the registry), to infer a first stable version. */
    private readonly liveVersions: (service: Service) => Promise<string[]> = async () => [],
    private readonly state = new ReleaseStateRepository(),
    private readonly audit = new AuditRepository(),
  ) {}

  async getRoutingState(manager: EntityManager = this.db.manager): Promise<RoutingState> {
    const [stableRows, running, aborted] = await Promise.all([
      this.state.stableVersions(manager),
      this.state.running(manager),
      this.state.abortedVersions(manager),
    ]);
    const stable: ServiceVersions = {};
    for (const row of stableRows) if (isService(row.service)) stable[row.service] = row.stableVersion;
    const abortedVersions: RoutingState['abortedVersions'] = {};
    for (const row of aborted) {
      if (!isService(row.service)) continue;
      // A version started again after its abort is a candidate once more.
      if (running.some((r) => r.service === row.service && r.candidateVersion === row.version)) continue;
      (abortedVersions[row.service] ??= []).push(row.version);
    }
    return { stable, rollouts: running.map(toRelease), abortedVersions };
  }

  /** The versions a customer's session carries. */
  async sessionVersions(customerId: string): Promise<ServiceVersions> {
    const [routing, pinRows] = await Promise.all([this.getRoutingState(), this.state.pinsOf(this.db.manager, customerId)]);
    const pins: CustomerPins = {};
    for (const row of pinRows) if (isService(row.service)) pins[row.service] = row.version;
    return assignVersions(customerId, routing, pins);
  }

  async status(): Promise<ReleaseStatus> {
    const manager = this.db.manager;
    const [routing, latest] = await Promise.all([this.getRoutingState(manager), this.state.latestPerService(manager)]);
    const releases = await Promise.all(
      latest.map(async (row) => ({ ...toRelease(row), decisions: (await this.state.decisions(manager, row.id, DECISIONS_IN_STATUS)) as Decision[] })),
    );
    return { stable: routing.stable, releases, abortedVersions: routing.abortedVersions };
  }

  async start(input: StartRelease, actor: string): Promise<Release> {
    const { service, version } = input;
    const steps = input.steps ?? DEFAULT_STEPS;
    const stepSeconds = input.stepSeconds ?? DEFAULT_STEP_SECONDS;
    const errors: Array<{ field: string; message: string }> = [];
    if (!isService(service)) errors.push({ field: '/service', message: `must be one of ${SERVICES.join(', ')}` });
    if (!isVersion(version)) errors.push({ field: '/version', message: 'must be 1..40 chars of [0-9A-Za-z.+-]' });
    if (input.stable !== undefined && !isVersion(input.stable)) errors.push({ field: '/stable', message: 'must be 1..40 chars of [0-9A-Za-z.+-]' });
    const stepsProblem = stepProblems(steps);
    if (stepsProblem) errors.push({ field: '/steps', message: stepsProblem });
    if (!Number.isInteger(stepSeconds) || stepSeconds < 1 || stepSeconds > 86400) errors.push({ field: '/stepSeconds', message: 'must be an integer between 1 and 86400' });
    if (input.bounds !== undefined && (typeof input.bounds !== 'object' || input.bounds === null || Array.isArray(input.bounds))) {
      errors.push({ field: '/bounds', message: 'must be an object' });
    }
    if (errors.length) throw new ReleaseInputError(errors);
    const target = service as Service;
    const inferred = input.stable === undefined ? await this.inferStable(target, version) : undefined;

    return this.changing(async (manager) => {
      const running = (await this.state.running(manager, true)).find((r) => r.service === target);
      if (running) throw new ReleaseConflictError(`${target} already has a running release (${running.stableVersion} -> ${running.candidateVersion}); promote or abort it first`);
      const recorded = (await this.state.stableVersions(manager)).find((row) => row.service === target)?.stableVersion;
      if (recorded !== undefined && input.stable !== undefined && input.stable !== recorded) {
        throw new ReleaseConflictError(`the stable version of ${target} is ${recorded}, not ${input.stable}`);
      }
      const stable = recorded ?? input.stable ?? inferred;
      if (stable === undefined) {
        throw new ReleaseConflictError(`no stable version of ${target} is known yet: give it (--stable / "stable") for this first release`);
      }
      if (stable === version) throw new ReleaseConflictError(`${version} is already the stable version of ${target}`);
      if (recorded === undefined) await this.state.setStable(manager, target, stable);
      const row = await this.insertRunning(manager, {
        id: randomUUID(),
        service: target,
        stableVersion: stable,
        candidateVersion: version,
        steps,
        stepIndex: 0,
        percent: steps[0],
        status: 'running',
        stepSeconds,
        bounds: input.bounds ?? {},
        createdBy: actor,
      });
      await this.audit.append(manager, { actor, action: 'release.start', target: `release:${row.id}`, before: null, after: row });
      return row;
    });
  }

  /** Operator: the next step now (or, at the last step, finish: the candidate becomes stable). */
  async promote(service: string | undefined, actor: string): Promise<Release> {
    return this.changing(async (manager) => {
      const release = await this.runningOf(manager, service);
      return this.step(manager, release, actor, 'promoted by an operator', undefined, 'promoted');
    });
  }

  /**
   * Controller: the step window passed within bounds. Refused (409) when the release is no longer
   * at `expectedStepIndex` (an operator or another controller acted in the meantime).
   */
  async advance(releaseId: string, reason: string, figures: unknown, expectedStepIndex?: number): Promise<Release> {
    return this.changing(async (manager) => {
      const release = await this.runningById(manager, releaseId);
      if (expectedStepIndex !== undefined && release.stepIndex !== expectedStepIndex) {
        throw new ReleaseConflictError(`release ${releaseId} is at step ${release.stepIndex}, not ${expectedStepIndex}`);
      }
      return this.step(manager, release, CONTROLLER_ACTOR, reason, figures, 'completed');
    });
  }

  /** Everyone back to stable at once: the percent drops to 0 and the router maps the candidate's tokens to stable. */
  async abort(releaseId: string, reason: string, figures: unknown, actor: string = CONTROLLER_ACTOR): Promise<Release> {
    return this.changing((manager) => this.runningById(manager, releaseId).then((release) => this.abortRelease(manager, release, reason, figures, actor)));
  }

  /** Operator abort of the running release of a service (of the only one running when not given). */
  async abortRunning(service: string | undefined, reason: string, actor: string): Promise<Release> {
    return this.changing(async (manager) => this.abortRelease(manager, await this.runningOf(manager, service), reason, undefined, actor));
  }

  /** A decision that changes nothing (the controller holding a step), kept with its figures for `status`. */
  async recordDecision(releaseId: string, action: DecisionAction, reason: string, figures: unknown, actor: string = CONTROLLER_ACTOR): Promise<Decision> {
    const release = await this.state.find(this.db.manager, releaseId);
    if (!release) throw new ReleaseConflictError(`release ${releaseId} does not exist`);
    return (await this.state.insertDecision(this.db.manager, { releaseId, stepIndex: release.stepIndex, action, reason, figures, actor })) as Decision;
  }

  async pin(customerId: string, service: string, version: string, actor: string): Promise<{ customerId: string; service: Service; version: string }> {
    const errors: Array<{ field: string; message: string }> = [];
    if (!isService(service)) errors.push({ field: '/service', message: `must be one of ${SERVICES.join(', ')}` });
    if (!isVersion(version)) errors.push({ field: '/version', message: 'must be 1..40 chars of [0-9A-Za-z.+-]' });
    if (errors.length) throw new ReleaseInputError(errors);
    return this.changing(async (manager) => {
      const before = await this.state.pin(manager, customerId, service, version, actor);
      const pin = { customerId, service: service as Service, version };
      await this.audit.append(manager, {
        actor,
        action: 'release.pin',
        target: `customer:${customerId}`,
        before: before === null ? null : { service, version: before },
        after: { service, version },
      });
      return pin;
    });
  }

  /** Removes one pin or all of a customer's; returns the removed ones (none is not an error). */
  async unpin(customerId: string, service: string | undefined, actor: string): Promise<Array<{ service: string; version: string }>> {
    if (service !== undefined && !isService(service)) throw new ReleaseInputError([{ field: '/service', message: `must be one of ${SERVICES.join(', ')}` }]);
    return this.changing(async (manager) => {
      const removed = await this.state.unpin(manager, customerId, service);
      if (removed.length) {
        await this.audit.append(manager, { actor, action: 'release.unpin', target: `customer:${customerId}`, before: removed, after: null });
      }
      return removed;
    });
  }

  private async step(manager: EntityManager, release: ReleaseRow, actor: string, reason: string, figures: unknown, finishedAs: 'promoted' | 'completed'): Promise<Release> {
    const last = release.stepIndex === release.steps.length - 1;
    const next = last
      ? { stepIndex: release.stepIndex, percent: 100, status: finishedAs, newStep: false }
      : { stepIndex: release.stepIndex + 1, percent: release.steps[release.stepIndex + 1], status: 'running', newStep: true };
    const after = await this.state.update(manager, release.id, next);
    if (last) await this.state.setStable(manager, release.service, release.candidateVersion);
    await this.state.insertDecision(manager, { releaseId: release.id, stepIndex: release.stepIndex, action: last ? 'complete' : 'advance', reason, figures, actor });
    await this.audit.append(manager, {
      actor,
      action: last ? `release.${finishedAs === 'promoted' ? 'promote' : 'complete'}` : actor === CONTROLLER_ACTOR ? 'release.advance' : 'release.promote',
      target: `release:${release.id}`,
      before: stepOf(release),
      after: stepOf(after),
    });
    return toRelease(after);
  }

  private async abortRelease(manager: EntityManager, release: ReleaseRow, reason: string, figures: unknown, actor: string): Promise<Release> {
    const after = await this.state.update(manager, release.id, { stepIndex: release.stepIndex, percent: 0, status: 'aborted', newStep: false });
    await this.state.insertDecision(manager, { releaseId: release.id, stepIndex: release.stepIndex, action: 'abort', reason, figures, actor });
    await this.audit.append(manager, { actor, action: 'release.abort', target: `release:${release.id}`, before: stepOf(release), after: { ...stepOf(after), reason } });
    return toRelease(after);
  }

  private async insertRunning(manager: EntityManager, row: Parameters<ReleaseStateRepository['insert']>[1]): Promise<Release> {
    try {
      return toRelease(await this.state.insert(manager, row));
    } catch (error) {
      // The partial unique index: another start of the same service won the race.
      if ((error as { driverError?: { code?: string } }).driverError?.code === '23505') {
        throw new ReleaseConflictError(`${row.service} already has a running release`);
      }
      throw error;
    }
  }

  private async runningOf(manager: EntityManager, service: string | undefined): Promise<ReleaseRow> {
    if (service !== undefined && !isService(service)) throw new ReleaseInputError([{ field: '/service', message: `must be one of ${SERVICES.join(', ')}` }]);
    const running = (await this.state.running(manager, true)).filter((r) => service === undefined || r.service === service);
    if (running.length === 0) throw new ReleaseConflictError(service ? `${service} has no running release` : 'no release is running');
    if (running.length > 1) throw new ReleaseConflictError(`several releases are running (${running.map((r) => r.service).join(', ')}): name the service`);
    return running[0];
  }

  private async runningById(manager: EntityManager, releaseId: string): Promise<ReleaseRow> {
    const release = UUID.test(releaseId) ? await this.state.find(manager, releaseId, true) : null;
    if (!release) throw new ReleaseConflictError(`release ${releaseId} does not exist`);
    if (release.status !== 'running') throw new ReleaseConflictError(`release ${releaseId} is ${release.status}, not running`);
    return release;
  }

  /** The one version other than the candidate that the service's live instances run, if there is exactly one. */
  private async inferStable(service: Service, candidate: string): Promise<string | undefined> {
    const others = [...new Set(await this.liveVersions(service).catch(() => []))].filter((v) => v !== candidate);
    return others.length === 1 ? others[0] : undefined;
  }

  private async changing<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (manager) => {
      const result = await work(manager);
      await this.state.notifyChange(manager, 'changed');
      return result;
    });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function stepOf(release: ReleaseRow) {
  return { status: release.status, stepIndex: release.stepIndex, percent: release.percent };
}

function toRelease(row: ReleaseRow): Release {
  return { ...row, service: row.service as Service, status: row.status as Release['status'] };
}
