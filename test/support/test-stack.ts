import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '@orderflow/config/app-config';
import { LocalStack, startLocalStack } from '@orderflow/devstack/local-stack';
import { runMigrations } from '@orderflow/persistence/migrate';
import { createDataSource } from '@orderflow/persistence/data-source';
import { createApiKey, KeyRateLimit } from '@orderflow/auth/api-key-admin';

export interface TestStack extends LocalStack {
  /** App configuration pointing at this stack; PORT 0 picks a free port. */
  config(overrides?: Record<string, string>): AppConfig;
  /** A direct connection to the primary, for arranging data and checking invariants. */
  db: DataSource;
  createKey(scopes: string[], rateLimit?: KeyRateLimit): Promise<string>;
  /** A directory of this stack's own, for logs of processes a test starts. */
  rootDir: string;
}

/**
 * Starts real PostgreSQL (primary + streaming replica), Redis and the SQS emulator on free
 * ports in a fresh directory, and migrates the schema. Every suite gets its own, so suites
 * never share state and may restart services.
 */
export async function startTestStack(options: { synchronousStandby?: boolean } = {}): Promise<TestStack> {
  const rootDir = mkdtempSync(join(tmpdir(), 'orderflow-test-'));
  // In-process apps get AWS credentials the way production does: from the SDK's default chain.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const stack = await startLocalStack({ rootDir, ...options });
  try {
    await runMigrations(stack.env.DATABASE_URL);
    // Checks scan whole tables (the export's checksum over 200,000 orders): no 15 s query limit.
    const db = await createDataSource({ url: stack.env.DATABASE_URL, poolSize: 4, applicationName: 'orderflow-test', queryTimeoutMs: 300_000 }).initialize();
    const config = (overrides: Record<string, string> = {}) =>
      loadConfig([], { ...stack.env, PORT: '0', LOG_LEVEL: 'warn', ...overrides });
    return {
      ...stack,
      rootDir,
      db,
      config,
      createKey: async (scopes, rateLimit) => (await createApiKey(db, `test-${scopes.join('+')}`, scopes, rateLimit)).key,
      stop: async () => {
        await db.destroy().catch(() => undefined);
        await stack.stop();
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
