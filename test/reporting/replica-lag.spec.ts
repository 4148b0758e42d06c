import { DataSource } from 'typeorm';
import { createApiKey } from '@orderflow/auth/api-key-admin';
import { asReportingRole, REPORTING_ROLE } from '@orderflow/reporting/reporting-role';
import { runMigrations } from '@orderflow/persistence/migrate';
import { createDataSource } from '@orderflow/persistence/data-source';
import { startTestStack, TestStack } from '../support/test-stack';
import { HttpResult, httpClient } from '../support/http-client';
import { eventuallyValue } from '../support/eventually';
import { ReportingInstance, reportingReplicaUrl, startReportingInstance } from './reporting-support';

const today = () => new Date().toISOString().slice(0, 10);

/**
 * STAND-IN for Aurora: community PostgreSQL has no aurora_replica_status(). These functions give
 * the signature Aurora documents (the columns and the writer's MASTER_SESSION_ID row), with the
 * reader's replica_lag_in_msec taken from a table the test sets; they exercise Orderflow's Aurora
 * query path, not Aurora itself.
 */
const AURORA_STAND_IN = `
  CREATE TABLE aurora_stand_in_lag (replica_lag_in_msec real);
  INSERT INTO aurora_stand_in_lag VALUES (200);
  GRANT SELECT ON aurora_stand_in_lag TO ${REPORTING_ROLE};
  CREATE FUNCTION aurora_db_instance_identifier() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'orderflow-reader-1'::text $$;
  CREATE FUNCTION aurora_replica_status() RETURNS TABLE (
    server_id text, session_id text, durable_lsn bigint, highest_lsn_rcvd bigint, current_read_lsn bigint,
    cur_replay_latency_in_usec bigint, active_txns integer, is_current boolean, last_transport_error integer,
    last_error_timestamp timestamptz, last_update_timestamp timestamptz, feedback_xmin bigint, feedback_epoch integer,
    replica_lag_in_msec real, log_stream_speed_in_kib_per_second real, log_buffer_sequence_number bigint,
    oldest_read_view_trx_id bigint, oldest_read_view_lsn bigint, pending_read_ios integer, read_ios bigint,
    iops integer, cpu real)
  LANGUAGE sql STABLE AS $$
    SELECT 'orderflow-writer-1'::text, 'MASTER_SESSION_ID'::text, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0, false, 0,
           null::timestamptz, now(), 0::bigint, 0, null::real, 0::real, 0::bigint, 0::bigint, 0::bigint, 0, 0::bigint, 0, 1::real
    UNION ALL
    SELECT 'orderflow-reader-1', gen_random_uuid()::text, 0, 0, 0, 0, 0, false, 0, null, null, 0, 0,
           (SELECT replica_lag_in_msec FROM aurora_stand_in_lag), 0, 0, 0, 0, 0, 0, 0, 1
  $$;`;

describe('reader lag and readiness', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('on a community PostgreSQL streaming replica', () => {
    let reporting: ReportingInstance;
    let reports: ReturnType<typeof httpClient>;

    beforeAll(async () => {
      const key = await stack.createKey(['reports:read']);
      await stack.postgres.waitForReplicaCatchUp();
      reporting = await startReportingInstance(stack, { MAX_REPLICA_LAG_SECONDS: '1' });
      reports = httpClient(reporting.url, key);
    });

    afterAll(async () => {
      await reporting?.close();
    });

    it('turns not ready while replay is paused and the replica falls behind, and ready again once it catches up', async () => {
      const probe = httpClient(reporting.url);
      const ready = await eventuallyValue('ready', () => probe('GET', '/health/ready'), (r) => r.status === 200);
      expect(ready.body.checks.replica).toMatchObject({ status: 'up', lagSeconds: 0, maxLagSeconds: 1 });

      // Replay paused: the replica receives WAL it does not apply, as under a long recovery conflict.
      await stack.postgres.waitForReplicaCatchUp();
      await withReplica(stack, (db) => db.query('SELECT pg_wal_replay_pause()'));
      try {
        await stack.db.query(`INSERT INTO customers (id, currency) VALUES ('lag-probe', 'EUR')`);
        const lagging = await eventuallyValue('not ready', () => probe('GET', '/health/ready'), (r) => r.status === 503);
        expect(lagging.body.checks.replica).toMatchObject({ status: 'down', error: expect.stringMatching(/exceeds MAX_REPLICA_LAG_SECONDS=1/) });
        const report = await reports('GET', `/v1/reports/sales?from=${today()}&to=${today()}`);
        expect(report.status).toBe(200);
        expect(report.body.replicaLagSeconds).toBeGreaterThan(1);
      } finally {
        await withReplica(stack, (db) => db.query('SELECT pg_wal_replay_resume()'));
      }
      const caughtUp = await eventuallyValue('ready again', () => probe('GET', '/health/ready'), (r) => r.status === 200);
      expect(caughtUp.body.checks.replica).toMatchObject({ status: 'up', lagSeconds: 0 });
      expect((await reports('GET', `/v1/reports/sales?from=${today()}&to=${today()}`)).body.replicaLagSeconds).toBe(0);
    });
  });

  describe('on an Aurora reader (STAND-IN functions with the aurora_replica_status() signature)', () => {
    const DATABASE = 'aurora_stand_in';
    let primary: DataSource;
    let reporting: ReportingInstance;
    let reports: ReturnType<typeof httpClient>;

    beforeAll(async () => {
      await stack.db.query(`CREATE DATABASE ${DATABASE}`);
      const primaryUrl = withDatabase(stack.env.DATABASE_URL, DATABASE);
      await runMigrations(primaryUrl);
      primary = await createDataSource({ url: primaryUrl, poolSize: 2, applicationName: 'orderflow-test' }).initialize();
      await primary.query(AURORA_STAND_IN);
      const key = (await createApiKey(primary, 'aurora-reports', ['reports:read'])).key;
      await stack.postgres.waitForReplicaCatchUp();
      reporting = await startReportingInstance(stack, {
        DATABASE_REPLICA_URL: asReportingRole(withDatabase(stack.env.DATABASE_REPLICA_URL, DATABASE)),
        MAX_REPLICA_LAG_SECONDS: '2',
      });
      reports = httpClient(reporting.url, key);
    });

    afterAll(async () => {
      await reporting?.close();
      await primary?.destroy();
    });

    const setLag = async (ms: number) => {
      await primary.query(`UPDATE aurora_stand_in_lag SET replica_lag_in_msec = $1`, [ms]);
      await stack.postgres.waitForReplicaCatchUp();
    };

    it("reports the reader's replica_lag_in_msec as replicaLagSeconds, with asOf that far behind, and readiness by it", async () => {
      const probe = httpClient(reporting.url);
      // The streaming replica under the stand-in is idle: only the Aurora path can give 0.2 s.
      const ready = await eventuallyValue('ready', () => probe('GET', '/health/ready'), (r) => r.status === 200);
      expect(ready.body.checks.replica).toMatchObject({ status: 'up', lagSeconds: 0.2, maxLagSeconds: 2 });
      const before = Date.now();
      const report = await reports('GET', `/v1/reports/sales?from=${today()}&to=${today()}`);
      expect(report.status).toBe(200);
      expect(report.body.replicaLagSeconds).toBe(0.2);
      expect(new Date(report.body.asOf).getTime()).toBeLessThanOrEqual(Date.now() - 200);
      expect(new Date(report.body.asOf).getTime()).toBeGreaterThanOrEqual(before - 200 - 1000);

      await setLag(5000);
      const lagging = await eventuallyValue('not ready', () => probe('GET', '/health/ready'), (r) => r.status === 503);
      expect(lagging.body.checks.replica).toMatchObject({ status: 'down', error: 'replica lag 5 s exceeds MAX_REPLICA_LAG_SECONDS=2' });

      await primary.query(`UPDATE aurora_stand_in_lag SET replica_lag_in_msec = NULL`);
      await stack.postgres.waitForReplicaCatchUp();
      const unknown = await eventuallyValue('lag unknown', () => probe('GET', '/health/ready'), (r) => /unknown/.test(r.body.checks?.replica?.error ?? ''));
      expect(unknown.status).toBe(503);

      await setLag(0);
      const back = await eventuallyValue('ready again', () => probe('GET', '/health/ready'), (r) => r.status === 200);
      expect(back.body.checks.replica).toMatchObject({ status: 'up', lagSeconds: 0 });
    });
  });
});

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withReplica<T>(stack: TestStack, work: (db: DataSource) => Promise<T>): Promise<T> {
  const db = await createDataSource({ url: stack.env.DATABASE_REPLICA_URL, poolSize: 1, applicationName: 'orderflow-test' }).initialize();
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}
