import { EntityManager } from 'typeorm';
import { Gauge } from 'prom-client';
import { queryRows } from '@orderflow/persistence/sql';
import { metricsRegistry } from '@orderflow/observability/metrics';

/** How fresh the replica's data is. */
export interface ReplicaStatus {
  /** Commit time (on the primary) of the last transaction the replica has replayed; null before the first one. */
  asOf: string | null;
  /**
   * 0 when the replica has replayed everything it received and is streaming; otherwise the age of
   * `asOf`. Null when unknown (nothing replayed yet and not caught up).
   */
  lagSeconds: number | null;
  /** False when the URL points at a primary (misconfiguration): then lag is 0 and asOf is now. */
  inRecovery: boolean;
}

export const replicaLagGauge = new Gauge({
  name: 'orderflow_replica_lag_seconds',
  help: 'Replication lag of the read replica as last measured by the reporting service (-1: unknown)',
  registers: [metricsRegistry],
});

interface StatusRecord {
  in_recovery: boolean;
  replayed_at: Date | null;
  now: Date;
  caught_up: boolean;
}

export interface AuroraStatusRecord {
  in_recovery: boolean;
  now: Date;
  lag_ms: number | null;
}

/** Which kind of reader: they report their lag differently. */
export type ReaderKind = 'aurora' | 'streaming';

/**
 * An Aurora reader shares the cluster volume and streams no WAL (pg_stat_wal_receiver stays
 * empty), so its lag comes from `aurora_replica_status()`; community PostgreSQL has neither that
 * function nor `aurora_db_instance_identifier()`.
 */
async function detectReaderKind(manager: EntityManager): Promise<ReaderKind> {
  const [{ aurora }] = await queryRows<{ aurora: boolean }>(
    manager,
    `SELECT to_regprocedure('aurora_replica_status()') IS NOT NULL
            AND to_regprocedure('aurora_db_instance_identifier()') IS NOT NULL AS aurora`,
  );
  return aurora ? 'aurora' : 'streaming';
}

/**
 * The replica's own view of its replay position. On community PostgreSQL an idle primary writes
 * nothing, so "now - last replayed commit" alone would call an idle but complete replica late:
 * when every received WAL byte is replayed and the WAL receiver is connected, the lag is 0. (A
 * non-superuser sees only the receiver's pid in pg_stat_wal_receiver, which is all this needs.)
 * On Aurora, the lag is the reader's own `replica_lag_in_msec`, and asOf is now minus that lag.
 */
export class ReplicaStatusRepository {
  private kind: Promise<ReaderKind> | undefined;

  /** The kind of server, detected once per repository (a failed detection is tried again). */
  readerKind(manager: EntityManager): Promise<ReaderKind> {
    this.kind ??= detectReaderKind(manager).catch((error) => {
      this.kind = undefined;
      throw error;
    });
    return this.kind;
  }

  async read(manager: EntityManager): Promise<ReplicaStatus> {
    const status = (await this.readerKind(manager)) === 'aurora' ? await readAurora(manager) : await readStreaming(manager);
    replicaLagGauge.set(status.lagSeconds ?? -1);
    return status;
  }
}

async function readStreaming(manager: EntityManager): Promise<ReplicaStatus> {
  const [row] = await queryRows<StatusRecord>(
    manager,
    `SELECT pg_is_in_recovery() AS in_recovery,
            pg_last_xact_replay_timestamp() AS replayed_at,
            clock_timestamp() AS now,
            coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false)
              AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL) AS caught_up`,
  );
  return toStatus(row);
}

async function readAurora(manager: EntityManager): Promise<ReplicaStatus> {
  const [row] = await queryRows<AuroraStatusRecord>(
    manager,
    `SELECT pg_is_in_recovery() AS in_recovery, clock_timestamp() AS now, s.replica_lag_in_msec::float8 AS lag_ms
     FROM (SELECT aurora_db_instance_identifier() AS id) me
     LEFT JOIN aurora_replica_status() s ON s.server_id = me.id`,
  );
  return auroraToStatus(row);
}

/** Pure: the status of an Aurora instance from its own row of aurora_replica_status(). */
export function auroraToStatus(row: AuroraStatusRecord): ReplicaStatus {
  if (!row.in_recovery) return { asOf: row.now.toISOString(), lagSeconds: 0, inRecovery: false };
  if (row.lag_ms === null || row.lag_ms < 0) return { asOf: null, lagSeconds: null, inRecovery: true };
  return { asOf: new Date(row.now.getTime() - row.lag_ms).toISOString(), lagSeconds: Math.round(row.lag_ms) / 1000, inRecovery: true };
}

function toStatus(row: StatusRecord): ReplicaStatus {
  if (!row.in_recovery) return { asOf: row.now.toISOString(), lagSeconds: 0, inRecovery: false };
  const asOf = row.replayed_at?.toISOString() ?? null;
  if (row.caught_up) return { asOf, lagSeconds: 0, inRecovery: true };
  const lagSeconds = row.replayed_at ? Math.max(0, (row.now.getTime() - row.replayed_at.getTime()) / 1000) : null;
  return { asOf, lagSeconds: lagSeconds === null ? null : Math.round(lagSeconds * 1000) / 1000, inRecovery: true };
}

/** Throws when the lag is unknown or above the bound: GET /health/ready turns 503. */
export function assertLagWithin(status: ReplicaStatus, maxLagSeconds: number): Record<string, unknown> {
  if (status.lagSeconds === null) throw new Error('replica lag unknown: nothing replayed yet and not streaming (or no aurora_replica_status() row for this reader)');
  if (status.lagSeconds > maxLagSeconds) {
    throw new Error(`replica lag ${status.lagSeconds} s exceeds MAX_REPLICA_LAG_SECONDS=${maxLagSeconds}`);
  }
  return { lagSeconds: status.lagSeconds, asOf: status.asOf, maxLagSeconds };
}
