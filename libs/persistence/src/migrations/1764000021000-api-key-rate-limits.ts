import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per API key rate limits (docs/api.md, "Rate limits"): requests per second and burst of a
 * token bucket. NULL means the operator's default (API_RATE_LIMIT_PER_SECOND / _BURST).
 * Expand-only: nullable columns, which the previous release neither reads nor writes.
 */
export class ApiKeyRateLimits1764000021000 implements MigrationInterface {
  name = 'ApiKeyRateLimits1764000021000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE api_keys
        ADD COLUMN IF NOT EXISTS rate_per_second integer CHECK (rate_per_second > 0),
        ADD COLUMN IF NOT EXISTS burst integer CHECK (burst > 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN IF EXISTS burst, DROP COLUMN IF EXISTS rate_per_second`);
  }
}
