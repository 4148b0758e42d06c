import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BOOTSTRAP_SQL } from '../lib/one-off-tasks';
import { startScratchPostgres } from './support/scratch-postgres';

const exec = promisify(execFile);
const repoRoot = join(__dirname, '..', '..');
const migrate = join(repoRoot, 'dist', 'bin', 'migrate.js');

/**
 * The DbBootstrap task's SQL, then the app's real migrations as the role it creates, on a real
 * PostgreSQL set up like a fresh Aurora cluster: an admin that is not superuser but may create
 * databases and roles, and the `rds_iam` role (here a plain stand-in; on Aurora, membership makes
 * the role log in with IAM tokens only, which cannot be shown here).
 */
let pg: Awaited<ReturnType<typeof startScratchPostgres>>;

beforeAll(async () => {
  if (!existsSync(migrate)) throw new Error(`${migrate} is missing: build the app first (npm run build at the repository root; .ci/run does)`);
  pg = await startScratchPostgres();
  await pg.psql('postgres', [
    '-c', 'CREATE ROLE rds_iam',
    '-c', 'CREATE ROLE orderflow_admin LOGIN CREATEDB CREATEROLE',
    '-c', 'GRANT rds_iam TO orderflow_admin WITH ADMIN OPTION',
    '-c', 'CREATE DATABASE orderflow OWNER orderflow_admin',
  ]);
}, 120_000);

afterAll(async () => {
  await pg?.stop();
});

/** The container's command, as the admin: `psql -v ON_ERROR_STOP=1 -c <statement>...`. */
const bootstrap = () => pg.psql('orderflow_admin', ['-d', 'orderflow', '-v', 'ON_ERROR_STOP=1', ...BOOTSTRAP_SQL.flatMap((sql) => ['-c', sql])]);

test('bootstrap, twice, then the migrations as orderflow_app: the schema is its, reporting reads only', async () => {
  await bootstrap();
  await bootstrap(); // idempotent: a rerun on an existing cluster changes nothing and fails nothing

  const ask = (sql: string) => pg.psql('postgres', ['-d', 'orderflow', '-c', sql]);
  expect(await ask("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'orderflow'")).toBe('orderflow_app');
  expect(await ask("SELECT string_agg(r.rolname, ',' ORDER BY r.rolname) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE m.roleid = 'rds_iam'::regrole AND r.rolname LIKE 'orderflow_%'")).toBe(
    'orderflow_admin,orderflow_app,orderflow_reporting',
  );

  const { stdout } = await exec('node', [migrate], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, DATABASE_URL: `postgres://orderflow_app@127.0.0.1:${pg.port}/orderflow`, LOG_LEVEL: 'error' },
  });
  expect(stdout).toMatch(/applied: .*Reporting/);

  expect(await ask("SELECT tableowner FROM pg_tables WHERE tablename = 'orders'")).toBe('orderflow_app');
  const asReporting = (sql: string) => pg.psql('orderflow_reporting', ['-d', 'orderflow', '-c', sql]);
  expect(await asReporting('SELECT count(*) FROM orders')).toBe('0');
  await expect(asReporting("INSERT INTO api_keys DEFAULT VALUES")).rejects.toThrow(/read-only transaction|permission denied/);
}, 180_000);
