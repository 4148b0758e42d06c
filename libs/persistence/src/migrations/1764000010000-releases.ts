import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Release state (docs/releases.md): the stable version per service, releases with their steps,
 * per-customer pins, the decisions taken on each release, the audit log of admin actions, and the
 * version that processed each order. Expand-only: old code ignores the new tables and the new,
 * nullable orders column (orders from before show null).
 */
export class Releases1764000010000 implements MigrationInterface {
  name = 'Releases1764000010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Adding a nullable column without a default is a catalog change only: no table rewrite. Its
    // brief exclusive lock queues every order behind it while it waits for long readers (an export):
    // give up after a few seconds instead (run the migration again later).
    await queryRunner.query(`SET LOCAL lock_timeout = '5s'`);
    await queryRunner.query(`ALTER TABLE orders ADD COLUMN IF NOT EXISTS processed_by_version varchar(40)`);
    await queryRunner.query(`SET LOCAL lock_timeout = DEFAULT`);
    await queryRunner.query(`
      CREATE TABLE service_versions (
        service varchar(16) PRIMARY KEY CHECK (service IN ('api', 'worker', 'reporting')),
        stable_version varchar(40) NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE releases (
        id uuid PRIMARY KEY,
        service varchar(16) NOT NULL CHECK (service IN ('api', 'worker', 'reporting')),
        stable_version varchar(40) NOT NULL,
        candidate_version varchar(40) NOT NULL CHECK (candidate_version <> stable_version),
        steps int[] NOT NULL CHECK (cardinality(steps) BETWEEN 1 AND 20),
        step_index int NOT NULL CHECK (step_index >= 0 AND step_index < cardinality(steps)),
        percent int NOT NULL CHECK (percent BETWEEN 0 AND 100),
        status varchar(16) NOT NULL CHECK (status IN ('running', 'promoted', 'aborted', 'completed')),
        step_seconds int NOT NULL CHECK (step_seconds > 0),
        step_started_at timestamptz NOT NULL,
        bounds jsonb NOT NULL DEFAULT '{}',
        created_by varchar(100) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // At most one running release per service: two concurrent starts cannot both succeed.
    await queryRunner.query(`CREATE UNIQUE INDEX releases_one_running_per_service ON releases (service) WHERE status = 'running'`);
    await queryRunner.query(`CREATE INDEX releases_service_created_idx ON releases (service, created_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE release_pins (
        customer_id varchar(64) NOT NULL,
        service varchar(16) NOT NULL CHECK (service IN ('api', 'worker', 'reporting')),
        version varchar(40) NOT NULL,
        created_by varchar(100) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_id, service)
      )`);
    await queryRunner.query(`
      CREATE TABLE release_decisions (
        id bigserial PRIMARY KEY,
        release_id uuid NOT NULL REFERENCES releases (id),
        at timestamptz NOT NULL DEFAULT now(),
        step_index int NOT NULL,
        action varchar(16) NOT NULL CHECK (action IN ('advance', 'abort', 'complete', 'hold')),
        reason text NOT NULL,
        figures jsonb,
        actor varchar(100) NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX release_decisions_release_idx ON release_decisions (release_id, id DESC)`);
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor varchar(100) NOT NULL,
        action varchar(64) NOT NULL,
        target text NOT NULL,
        before jsonb,
        after jsonb
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_log', 'release_decisions', 'release_pins', 'releases', 'service_versions']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
    await queryRunner.query(`ALTER TABLE orders DROP COLUMN processed_by_version`);
  }
}
