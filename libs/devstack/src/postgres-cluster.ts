import { appendFile, chown, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, escapeIdentifier } from 'pg';
import { freePort } from './free-port';
import { findPostgresBinDir, postgresRunAs } from './postgres-binaries';
import { runToCompletion, startProcess, waitUntilReady, type ServiceProcess } from './service-process';

export interface PostgresPairOptions {
  /** Owned by the pair: data dirs, sockets and logs go here; stop() deletes it. */
  rootDir: string;
  /** Default 'orderflow'. */
  database?: string;
  /**
   * Also start a synchronous standby (a commit returns only once the standby has it, so promoting
   * it loses nothing, as on Aurora's shared volume): for failover tests. Default false.
   */
  synchronousStandby?: boolean;
}

/** The synchronous standby of a pair started with `synchronousStandby`. */
export interface PostgresStandby {
  url: string;
  port: number;
  /** Promotes it to a primary (pg_promote, waiting until it accepts writes). */
  promote(): Promise<void>;
}

export interface PostgresPair {
  primaryUrl: string;
  replicaUrl: string;
  /** Primary, database `postgres`: for CREATE/DROP DATABASE and the like. */
  adminPrimaryUrl: string;
  primaryPort: number;
  replicaPort: number;
  /** Only with `synchronousStandby`. */
  standby?: PostgresStandby;
  /** 'fast' = clean shutdown; 'immediate' = crash-like, recovery on next start. */
  stopPrimary(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the primary again on the same port with the same data. */
  startPrimary(): Promise<void>;
  restartPrimary(): Promise<void>;
  /** Waits until the replica has replayed everything the primary has written so far. */
  waitForReplicaCatchUp(timeoutMs?: number): Promise<void>;
  /** Stops both servers and deletes rootDir. Idempotent. */
  stop(): Promise<void>;
}

const STANDBY_NAME = 'devstack_standby';

const url = (port: number, database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;

// Small and quick for a 2-core box, but crash-safe: fsync and synchronous_commit stay on, because
// chaos tests restart the primary and must not lose acknowledged commits.
const settings = (socketDir: string) => `
# --- devstack ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '${socketDir.replace(/'/g, "''")}'
max_connections = 200
shared_buffers = 128MB
fsync = on
synchronous_commit = on
wal_level = replica
max_wal_senders = 5
hot_standby = on
hot_standby_feedback = on
# Aurora PostgreSQL's default (the community default is 1 min): the hot customer and stock rows
# that every order rewrites are vacuumed within seconds, as they would be in production.
autovacuum_naptime = 5s
# the replica must reconnect on its own within a second of a primary restart
wal_retrieve_retry_interval = 1s
`;

async function query<T>(connectionString: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined); // server going away mid-poll is expected
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A primary and a streaming hot-standby replica (pg_basebackup -R), each a child `postgres` process. */
export async function startPostgresPair(opts: PostgresPairOptions): Promise<PostgresPair> {
  const { rootDir, database = 'orderflow', synchronousStandby = false } = opts;
  const binDir = findPostgresBinDir();
  const runAs = postgresRunAs();
  const primaryDir = path.join(rootDir, 'primary');
  const replicaDir = path.join(rootDir, 'replica');
  const standbyDir = path.join(rootDir, 'standby');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const standbyPort = synchronousStandby ? await freePort() : 0;

  await mkdir(rootDir, { recursive: true });
  // As root, postgres runs as the postgres user, which must own its data dirs and its socket dir.
  if (runAs) await chown(rootDir, runAs.uid, runAs.gid);

  // cwd = rootDir: after dropping root, the postgres user may not be allowed into our cwd.
  const processOptions = (log: string) => ({ logFile: path.join(rootDir, log), cwd: rootDir, runAs });
  const runTool = async (tool: string, args: string[]) => {
    try {
      await runToCompletion(path.join(binDir, tool), args, processOptions(`${tool}.log`));
    } catch (err) {
      const hint = runAs ? `\n(${tool} ran as uid ${runAs.uid}: every parent directory of ${rootDir} must be traversable by it)` : '';
      throw new Error(`${(err as Error).message}${hint}`);
    }
  };
  const startServer = async (dataDir: string, port: number, name: string) => {
    // Spawned directly (not via pg_ctl, which daemonizes): it stays our child, so we know its pid and when it exits.
    const proc = await startProcess(path.join(binDir, 'postgres'), ['-D', dataDir, '-p', String(port)], {
      ...processOptions(`${name}.log`),
      emergencySignal: 'SIGQUIT', // postmaster's "immediate shutdown": it takes its backends down too
    });
    await waitUntilReady(proc, `postgres ${name} (port ${port})`, async () => {
      await query(url(port, 'postgres'), 'SELECT 1');
      return true;
    });
    return proc;
  };

  let primary: ServiceProcess | undefined;
  let replica: ServiceProcess | undefined;
  let standby: ServiceProcess | undefined;
  // The signals pg_ctl stop -m fast / -m immediate would send to the postmaster.
  const stopServer = (proc: ServiceProcess | undefined, mode: 'fast' | 'immediate') =>
    proc?.stop(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');

  try {
    // --no-sync: skipping the initial fsync of ~1000 files only matters if the OS crashes mid-test.
    await runTool('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // Written to postgresql.conf (not the command line) so pg_basebackup copies it to the replica.
    await appendFile(path.join(primaryDir, 'postgresql.conf'), settings(rootDir));
    primary = await startServer(primaryDir, primaryPort, 'primary');
    await query(url(primaryPort, 'postgres'), `CREATE DATABASE ${escapeIdentifier(database)}`);

    // A replication slot keeps the WAL the replica has not received yet while the primary restarts;
    // --checkpoint=fast avoids waiting for a spread checkpoint.
    await runTool('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir],
      ...['-R', '-X', 'stream', '-C', '-S', 'devstack_replica', '--checkpoint=fast', '--no-sync'],
    ]);
    replica = await startServer(replicaDir, replicaPort, 'replica');
    if (synchronousStandby) standby = await startSynchronousStandby();
  } catch (err) {
    await Promise.all([stopServer(standby, 'immediate'), stopServer(replica, 'immediate'), stopServer(primary, 'immediate')]);
    throw err;
  }

  /** A second standby, named in synchronous_standby_names once it streams, so commits wait for it. */
  async function startSynchronousStandby(): Promise<ServiceProcess> {
    await runTool('pg_basebackup', [
      ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir],
      ...['-R', '-X', 'stream', '-C', '-S', 'devstack_standby', '--checkpoint=fast', '--no-sync'],
    ]);
    // A later line wins: the same connection as -R wrote, with the name synchronous_standby_names matches.
    await appendFile(
      path.join(standbyDir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=${STANDBY_NAME}'\n`,
    );
    const proc = await startServer(standbyDir, standbyPort, 'standby');
    await query(url(primaryPort, 'postgres'), `ALTER SYSTEM SET synchronous_standby_names = '${STANDBY_NAME}'`);
    await query(url(primaryPort, 'postgres'), 'SELECT pg_reload_conf()');
    await waitUntilReady(proc, `standby (port ${standbyPort}) as synchronous standby`, async () => {
      const rows = await query(url(primaryPort, 'postgres'), `SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND sync_state = 'sync'`, [
        STANDBY_NAME,
      ]);
      return rows.length === 1;
    });
    return proc;
  }

  let stopping: Promise<void> | undefined;
  const pair: PostgresPair = {
    primaryUrl: url(primaryPort, database),
    replicaUrl: url(replicaPort, database),
    adminPrimaryUrl: url(primaryPort, 'postgres'),
    primaryPort,
    replicaPort,
    standby: synchronousStandby
      ? {
          url: url(standbyPort, database),
          port: standbyPort,
          async promote() {
            const [{ promoted }] = await query<{ promoted: boolean }>(url(standbyPort, 'postgres'), 'SELECT pg_promote(true, 30) AS promoted');
            if (!promoted) throw new Error(`standby (port ${standbyPort}) not promoted within 30 s`);
          },
        }
      : undefined,
    async stopPrimary(mode = 'fast') {
      await stopServer(primary, mode);
    },
    async startPrimary() {
      if (primary?.isRunning()) return;
      primary = await startServer(primaryDir, primaryPort, 'primary');
    },
    async restartPrimary() {
      await pair.stopPrimary('fast');
      await pair.startPrimary();
    },
    async waitForReplicaCatchUp(timeoutMs = 15_000) {
      const [{ lsn }] = await query<{ lsn: string }>(pair.adminPrimaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [{ caughtUp }] = await query<{ caughtUp: boolean }>(
          url(replicaPort, 'postgres'),
          'SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS "caughtUp"',
          [lsn],
        );
        if (caughtUp) return;
        if (Date.now() > deadline) throw new Error(`replica has not replayed up to ${lsn} after ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    stop() {
      stopping ??= (async () => {
        await Promise.all([stopServer(standby, 'fast'), stopServer(replica, 'fast'), stopServer(primary, 'fast')]);
        await rm(rootDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  return pair;
}
