import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The guard of the batched placement (placement-batch.repository.ts): one statement writes a
 * batch of orders, each conditional on its customer's row being still the version it was decided
 * on. Unless every one of them still holds, none may be written (a later order of the batch may
 * have been decided on stock an earlier one took), so the statement ends by calling this, which
 * raises SQLSTATE OF409 and with it undoes the whole statement. A new function only: nothing
 * earlier calls it, nothing earlier changes.
 */
export class PlacementBatchGuard1764000023000 implements MigrationInterface {
  name = 'PlacementBatchGuard1764000023000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION orderflow_require_all_placed(placed bigint, expected int) RETURNS bigint
      LANGUAGE plpgsql AS $$
      BEGIN
        IF placed < expected THEN
          RAISE EXCEPTION 'placement batch out of date: % of % orders still current', placed, expected USING ERRCODE = 'OF409';
        END IF;
        RETURN placed;
      END
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION orderflow_require_all_placed(bigint, int)`);
  }
}
