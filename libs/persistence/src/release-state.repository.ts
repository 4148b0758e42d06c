import { EntityManager } from 'typeorm';
import { queryRows } from './sql';

/** Rows of the release state tables (docs/releases.md), in the release lib's vocabulary. */
export interface ReleaseRow {
  id: string;
  service: string;
  stableVersion: string;
  candidateVersion: string;
  steps: number[];
  stepIndex: number;
  percent: number;
  status: string;
  stepSeconds: number;
  stepStartedAt: string;
  bounds: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface DecisionRow {
  id: number;
  releaseId: string;
  at: string;
  stepIndex: number;
  action: string;
  reason: string;
  figures: unknown;
  actor: string;
}

interface ReleaseRecord {
  id: string;
  service: string;
  stable_version: string;
  candidate_version: string;
  steps: number[];
  step_index: number;
  percent: number;
  status: string;
  step_seconds: number;
  step_started_at: Date;
  bounds: Record<string, unknown>;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const RELEASE_COLUMNS = `id, service, stable_version, candidate_version, steps, step_index, percent, status, step_seconds,
  step_started_at, bounds, created_by, created_at, updated_at`;

function toRelease(row: ReleaseRecord): ReleaseRow {
  return {
    id: row.id,
    service: row.service,
    stableVersion: row.stable_version,
    candidateVersion: row.candidate_version,
    steps: row.steps,
    stepIndex: row.step_index,
    percent: row.percent,
    status: row.status,
    stepSeconds: row.step_seconds,
    stepStartedAt: row.step_started_at.toISOString(),
    bounds: row.bounds,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The channel on which every release state change is announced (the router re-renders). */
export const RELEASE_CHANNEL = 'orderflow_release';

export class ReleaseStateRepository {
  async stableVersions(manager: EntityManager): Promise<Array<{ service: string; stableVersion: string }>> {
    const rows = await queryRows<{ service: string; stable_version: string }>(manager, `SELECT service, stable_version FROM service_versions`);
    return rows.map((row) => ({ service: row.service, stableVersion: row.stable_version }));
  }

  async setStable(manager: EntityManager, service: string, version: string): Promise<void> {
    await queryRows(
      manager,
      `INSERT INTO service_versions (service, stable_version) VALUES ($1, $2)
       ON CONFLICT (service) DO UPDATE SET stable_version = EXCLUDED.stable_version, updated_at = now()`,
      [service, version],
    );
  }

  async running(manager: EntityManager, forUpdate = false): Promise<ReleaseRow[]> {
    const rows = await queryRows<ReleaseRecord>(
      manager,
      `SELECT ${RELEASE_COLUMNS} FROM releases WHERE status = 'running' ORDER BY service${forUpdate ? ' FOR UPDATE' : ''}`,
    );
    return rows.map(toRelease);
  }

  async find(manager: EntityManager, id: string, forUpdate = false): Promise<ReleaseRow | null> {
    const rows = await queryRows<ReleaseRecord>(manager, `SELECT ${RELEASE_COLUMNS} FROM releases WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    return rows.length ? toRelease(rows[0]) : null;
  }

  /** The latest release of each service, running or not. */
  async latestPerService(manager: EntityManager): Promise<ReleaseRow[]> {
    const rows = await queryRows<ReleaseRecord>(
      manager,
      `SELECT DISTINCT ON (service) ${RELEASE_COLUMNS} FROM releases ORDER BY service, created_at DESC`,
    );
    return rows.map(toRelease);
  }

  /** Candidate versions of aborted releases that are not the stable version since. */
  async abortedVersions(manager: EntityManager): Promise<Array<{ service: string; version: string }>> {
    return queryRows<{ service: string; version: string }>(
      manager,
      `SELECT DISTINCT r.service, r.candidate_version AS version
       FROM releases r LEFT JOIN service_versions s ON s.service = r.service
       WHERE r.status = 'aborted' AND r.candidate_version IS DISTINCT FROM s.stable_version
       ORDER BY 1, 2`,
    );
  }

  async insert(manager: EntityManager, release: Omit<ReleaseRow, 'createdAt' | 'updatedAt' | 'stepStartedAt'>): Promise<ReleaseRow> {
    const rows = await queryRows<ReleaseRecord>(
      manager,
      `INSERT INTO releases (id, service, stable_version, candidate_version, steps, step_index, percent, status, step_seconds,
                             step_started_at, bounds, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $10, $11)
       RETURNING ${RELEASE_COLUMNS}`,
      [
        release.id,
        release.service,
        release.stableVersion,
        release.candidateVersion,
        release.steps,
        release.stepIndex,
        release.percent,
        release.status,
        release.stepSeconds,
        JSON.stringify(release.bounds),
        release.createdBy,
      ],
    );
    return toRelease(rows[0]);
  }

  /** Moves a release to another step or status; a new step starts its window now. */
  async update(manager: EntityManager, id: string, change: { stepIndex: number; percent: number; status: string; newStep: boolean }): Promise<ReleaseRow> {
    const rows = await queryRows<ReleaseRecord>(
      manager,
      `UPDATE releases SET step_index = $2, percent = $3, status = $4, updated_at = now(),
         step_started_at = CASE WHEN $5::boolean THEN now() ELSE step_started_at END
       WHERE id = $1 RETURNING ${RELEASE_COLUMNS}`,
      [id, change.stepIndex, change.percent, change.status, change.newStep],
    );
    return toRelease(rows[0]);
  }

  async insertDecision(manager: EntityManager, decision: Omit<DecisionRow, 'id' | 'at'>): Promise<DecisionRow> {
    const rows = await queryRows<{ id: string; at: Date }>(
      manager,
      `INSERT INTO release_decisions (release_id, step_index, action, reason, figures, actor) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id, at`,
      [decision.releaseId, decision.stepIndex, decision.action, decision.reason, decision.figures === undefined ? null : JSON.stringify(decision.figures), decision.actor],
    );
    return { ...decision, id: Number(rows[0].id), at: rows[0].at.toISOString() };
  }

  /** The latest decisions of a release, newest first. */
  async decisions(manager: EntityManager, releaseId: string, limit: number): Promise<DecisionRow[]> {
    const rows = await queryRows<{ id: string; release_id: string; at: Date; step_index: number; action: string; reason: string; figures: unknown; actor: string }>(
      manager,
      `SELECT id, release_id, at, step_index, action, reason, figures, actor FROM release_decisions
       WHERE release_id = $1 ORDER BY id DESC LIMIT $2`,
      [releaseId, limit],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      releaseId: row.release_id,
      at: row.at.toISOString(),
      stepIndex: row.step_index,
      action: row.action,
      reason: row.reason,
      figures: row.figures,
      actor: row.actor,
    }));
  }

  async pinsOf(manager: EntityManager, customerId: string): Promise<Array<{ service: string; version: string }>> {
    return queryRows(manager, `SELECT service, version FROM release_pins WHERE customer_id = $1 ORDER BY service`, [customerId]);
  }

  /** Every customer's pin of one service (pins are few: test customers, early adopters). */
  async pinsOfService(manager: EntityManager, service: string): Promise<Array<{ customerId: string; version: string }>> {
    const rows = await queryRows<{ customer_id: string; version: string }>(manager, `SELECT customer_id, version FROM release_pins WHERE service = $1`, [service]);
    return rows.map((row) => ({ customerId: row.customer_id, version: row.version }));
  }

  /** Sets a pin; returns the version it replaced, if any. */
  async pin(manager: EntityManager, customerId: string, service: string, version: string, actor: string): Promise<string | null> {
    const before = await queryRows<{ version: string }>(
      manager,
      `SELECT version FROM release_pins WHERE customer_id = $1 AND service = $2 FOR UPDATE`,
      [customerId, service],
    );
    await queryRows(
      manager,
      `INSERT INTO release_pins (customer_id, service, version, created_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (customer_id, service) DO UPDATE SET version = EXCLUDED.version, created_by = EXCLUDED.created_by, created_at = now()`,
      [customerId, service, version, actor],
    );
    return before.length ? before[0].version : null;
  }

  /** Removes a customer's pin of one service, or all of them; returns what was removed. */
  async unpin(manager: EntityManager, customerId: string, service?: string): Promise<Array<{ service: string; version: string }>> {
    return queryRows(
      manager,
      `DELETE FROM release_pins WHERE customer_id = $1 AND ($2::varchar IS NULL OR service = $2) RETURNING service, version`,
      [customerId, service ?? null],
    );
  }

  /** Delivered at commit, so listeners never see a change that rolled back. */
  async notifyChange(manager: EntityManager, what: string): Promise<void> {
    await queryRows(manager, `SELECT pg_notify($1, $2)`, [RELEASE_CHANNEL, what]);
  }
}
