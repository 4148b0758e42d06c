import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '@orderflow/config/app-config';
import { postgresRunAs } from '@orderflow/devstack/postgres-binaries';
import { createDataSource } from '@orderflow/persistence/data-source';
import { queryPrepared, queryRows } from '@orderflow/persistence/sql';
import { startTestStack, TestStack } from '../support/test-stack';
import { eventually } from '../support/eventually';

/** A data source configured as the apps are, from the environment variables. */
async function withDataSource<T>(url: string, env: Record<string, string>, work: (db: DataSource) => Promise<T>): Promise<T> {
  const config = loadConfig([], { DATABASE_URL: url, ...env });
  const db = await createDataSource({ url, poolSize: 1, applicationName: 'orderflow-test', connection: config.database }).initialize();
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

const sslInUse = async (db: DataSource) => (await db.query(`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`))[0].ssl as boolean;

describe('connecting as production does', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('discards a pooled connection that finds itself on a read-only server instead of handing it out again', async () => {
    await withDataSource(stack.env.DATABASE_REPLICA_URL, {}, async (db) => {
      const backend = async () => (await db.query(`SELECT pg_backend_pid() AS pid`))[0].pid as number;
      const first = await backend();
      expect(await backend()).toBe(first); // one pooled connection, reused
      await expect(db.transaction((m) => m.query(`INSERT INTO customers (id, currency) VALUES ('x', 'EUR')`))).rejects.toMatchObject({ code: '25006' });
      expect(await backend()).not.toBe(first);
    });
  });

  describe('DATABASE_PREPARED_STATEMENTS', () => {
    const preparedInSession = (db: DataSource) =>
      db.transaction(async (manager) => {
        await queryPrepared(manager, `SELECT count(*)::int AS n FROM customers WHERE id = $1`, ['nobody']);
        const [{ n }] = await queryRows<{ n: number }>(manager, `SELECT count(*)::int AS n FROM pg_prepared_statements`);
        return n;
      });

    it('names the hot statements by default (parsed once per connection)', async () => {
      expect(await withDataSource(stack.env.DATABASE_URL, {}, preparedInSession)).toBe(1);
    });

    it('=false leaves no named prepared statement in the session, which RDS Proxy would pin', async () => {
      expect(await withDataSource(stack.env.DATABASE_URL, { DATABASE_PREPARED_STATEMENTS: 'false' }, preparedInSession)).toBe(0);
    });
  });

  describe('DATABASE_TLS and DATABASE_CA_FILE, against a server with a certificate for 127.0.0.1', () => {
    let certs: string;

    beforeAll(async () => {
      // Owned by the pair: the server (run as the postgres user when we are root) reads its key here.
      certs = join(stack.rootDir, 'postgres', 'tls');
      mkdirSync(certs, { recursive: true });
      const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
      for (const ca of ['ca', 'other-ca']) {
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=orderflow-test-${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`);
      }
      writeFileSync(join(certs, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
      openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
      openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.cnf', '-out', 'server.pem');
      chmodSync(join(certs, 'server.key'), 0o600);
      const runAs = postgresRunAs();
      if (runAs) for (const file of ['', 'server.key', 'server.pem']) chownSync(join(certs, file), runAs.uid, runAs.gid);
      await stack.db.query(`ALTER SYSTEM SET ssl_cert_file = '${join(certs, 'server.pem')}'`);
      await stack.db.query(`ALTER SYSTEM SET ssl_key_file = '${join(certs, 'server.key')}'`);
      await stack.db.query(`ALTER SYSTEM SET ssl = on`);
      await stack.db.query(`SELECT pg_reload_conf()`);
      await eventually('TLS on', async () => (await stack.db.query(`SHOW ssl`))[0].ssl === 'on', 10_000, 50);
    });

    it('verify-full with the CA file connects encrypted', async () => {
      const env = { DATABASE_TLS: 'verify-full', DATABASE_CA_FILE: join(certs, 'ca.pem') };
      expect(await withDataSource(stack.env.DATABASE_URL, env, sslInUse)).toBe(true);
    });

    it('verify-full refuses a server whose certificate another CA signed, or that names another host', async () => {
      await expect(
        withDataSource(stack.env.DATABASE_URL, { DATABASE_TLS: 'verify-full', DATABASE_CA_FILE: join(certs, 'other-ca.pem') }, sslInUse),
      ).rejects.toThrow(/certificate/);
      const byName = stack.env.DATABASE_URL.replace('127.0.0.1', 'localhost');
      await expect(
        withDataSource(byName, { DATABASE_TLS: 'verify-full', DATABASE_CA_FILE: join(certs, 'ca.pem') }, sslInUse),
      ).rejects.toThrow(/altnames|does not match/);
    });

    it('DATABASE_IAM_AUTH connects with the URL taken apart (user, database) over TLS; the local server trusts it, so no token is checked here', async () => {
      const env = { DATABASE_TLS: 'verify-full', DATABASE_CA_FILE: join(certs, 'ca.pem'), DATABASE_IAM_AUTH: 'true' };
      const [who] = await withDataSource(stack.env.DATABASE_URL, env, async (db) =>
        db.query(`SELECT current_user AS "user", current_database() AS database, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl`),
      );
      expect(who).toEqual({ user: 'postgres', database: 'orderflow', ssl: true });
    });

    it('require encrypts without verifying; disable stays plain', async () => {
      expect(await withDataSource(stack.env.DATABASE_URL, { DATABASE_TLS: 'require' }, sslInUse)).toBe(true);
      expect(await withDataSource(stack.env.DATABASE_URL, { DATABASE_TLS: 'disable' }, sslInUse)).toBe(false);
    });
  });
});
