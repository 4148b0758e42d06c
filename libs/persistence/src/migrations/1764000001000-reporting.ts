import { MigrationInterface, QueryRunner } from 'typeorm';

/** The database role of the reporting service and the export jobs (docs/reporting.md). */
export const REPORTING_ROLE = 'orderflow_reporting';

/**
 * Reporting on the read replica: the SELECT-only role `orderflow_reporting`, and an index that
 * serves the period reports without touching the orders' heap.
 *
 * The role is created without a password (it cannot log in with password authentication until an
 * operator sets one with ALTER ROLE on the primary; physical replication carries it to the
 * replica). Roles are cluster-wide, so CREATE ROLE is skipped when it exists, and `down` keeps it.
 *
 * No trigger-maintained summary: a per-day summary row would be updated by every order of that
 * day and currency, serialising order intake on one row lock. The only per-order cost on the
 * primary is the index entry on created_at, the only index on that key.
 */
export class Reporting1764000001000 implements MigrationInterface {
  name = 'Reporting1764000001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${REPORTING_ROLE}') THEN
          CREATE ROLE ${REPORTING_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
        END IF;
      END
      $$`);
    // Belt and braces: even a table someone grants it more on by mistake stays read-only for it.
    await queryRunner.query(`ALTER ROLE ${REPORTING_ROLE} SET default_transaction_read_only = on`);
    // Its sessions plan for SSD storage (RDS, Aurora, NVMe): with the default random_page_cost of 4 a
    // year-long report prefers a sequential scan of orders to the narrower covering index below.
    await queryRunner.query(`ALTER ROLE ${REPORTING_ROLE} SET random_page_cost = 1.1`);
    await queryRunner.query(`
      DO $$
      BEGIN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${REPORTING_ROLE}', current_database());
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${REPORTING_ROLE}', current_schema());
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO ${REPORTING_ROLE}', current_schema());
        -- Tables that later migrations create (as this same migrating role) are readable too.
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO ${REPORTING_ROLE}', current_schema());
      END
      $$`);

    // Every report over a date range reads only these columns: an index-only scan of the range (id
    // is there for top SKUs' join to the items). On a large live table, build it by hand first with
    // CREATE INDEX CONCURRENTLY (same name): this statement then does nothing.
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS orders_created_at_report_idx
        ON orders (created_at) INCLUDE (status, currency, total_cents, rejection_reason, id)`);
    // How many days, weeks and months the orders span: without these the planner takes every order
    // for its own period, and sorts a year of orders instead of hashing a few hundred groups.
    // Statistics cost nothing per order; ANALYZE (autovacuum) keeps them current.
    for (const unit of ['day', 'week', 'month']) {
      await queryRunner.query(`
        CREATE STATISTICS IF NOT EXISTS orders_created_${unit}_stats
          ON (date_trunc('${unit}', created_at AT TIME ZONE 'UTC')) FROM orders`);
    }
    // Top SKUs: the items of each order in the range, without visiting order_items' heap.
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS order_items_report_idx
        ON order_items (order_id) INCLUDE (sku, quantity, unit_price_cents)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const unit of ['day', 'week', 'month']) await queryRunner.query(`DROP STATISTICS IF EXISTS orders_created_${unit}_stats`);
    await queryRunner.query(`DROP INDEX IF EXISTS order_items_report_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS orders_created_at_report_idx`);
    await queryRunner.query(`
      DO $$
      BEGIN
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE SELECT ON TABLES FROM ${REPORTING_ROLE}', current_schema());
        EXECUTE format('REVOKE SELECT ON ALL TABLES IN SCHEMA %I FROM ${REPORTING_ROLE}', current_schema());
        EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM ${REPORTING_ROLE}', current_schema());
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM ${REPORTING_ROLE}', current_database());
      END
      $$`);
  }
}
