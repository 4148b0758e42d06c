import { mkdtempSync } from 'node:fs';
import { chmod, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresPair } from '../../libs/devstack/src/postgres-cluster';
import { startRedis } from '../../libs/devstack/src/redis-server';
import { startSqsEmulator } from '../../libs/devstack/src/sqs-emulator';
import { runMigrations } from '../../libs/persistence/src/migrate';
import { MEDIUM_ENV } from './medium-env';

/**
 * The medium tier's services, once per test run (immich's `test/medium`): one PostgreSQL with the
 * schema migrated into a template database that every suite copies, one Redis and one SQS
 * emulator (relative imports: Jest resolves a global setup without its module mapper). Suites reach them through MEDIUM_* variables (see medium-stack.ts).
 */
export default async function globalSetup(): Promise<void> {
  const rootDir = mkdtempSync(join(tmpdir(), 'orderflow-medium-'));
  // As root, postgres runs as the postgres user, which must be able to enter rootDir.
  if (process.getuid?.() === 0) await chmod(rootDir, (await stat(rootDir)).mode | 0o001);
  const [postgres, redis, sqs] = await Promise.all([
    startPostgresPair({ rootDir: join(rootDir, 'postgres'), database: 'orderflow_template' }),
    startRedis({ logDir: rootDir }),
    startSqsEmulator({ logDir: rootDir }),
  ]);
  await runMigrations(postgres.primaryUrl);
  process.env[MEDIUM_ENV.adminUrl] = postgres.adminPrimaryUrl;
  process.env[MEDIUM_ENV.template] = 'orderflow_template';
  process.env[MEDIUM_ENV.redisUrl] = redis.url;
  process.env[MEDIUM_ENV.sqsEndpoint] = sqs.endpoint;
  (globalThis as Record<string, unknown>).__orderflowMedium = { stop: () => Promise.all([postgres.stop(), redis.stop(), sqs.stop()]) };
}
