import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * A throwaway PostgreSQL server (the machine's binaries, as the app's tests use) on a free port,
 * trust authentication on 127.0.0.1, stopped and deleted by `stop()`. As root it runs as the
 * `postgres` system user, since PostgreSQL refuses to run as root.
 */
export async function startScratchPostgres(): Promise<{ port: number; psql: (user: string, args: string[]) => Promise<string>; stop: () => Promise<void> }> {
  const binDir = postgresBinDir();
  const runAs = postgresUser();
  const root = mkdtempSync(join(tmpdir(), 'orderflow-infra-pg-'));
  const dataDir = join(root, 'data');
  if (runAs) chownSync(root, runAs.uid, runAs.gid);
  const as = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  await exec(join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], as);
  writeFileSync(join(dataDir, 'postgresql.auto.conf'), `listen_addresses = '127.0.0.1'\nunix_socket_directories = '${root}'\nfsync = off\n`);
  if (runAs) chownSync(join(dataDir, 'postgresql.auto.conf'), runAs.uid, runAs.gid);
  const port = await freePort();
  const server: ChildProcess = spawn(join(binDir, 'postgres'), ['-D', dataDir, '-p', String(port)], { ...as, stdio: 'ignore' });
  const psql = async (user: string, args: string[]) =>
    (await exec('psql', ['-X', '-q', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', 'postgres', ...args], { env: { PATH: process.env.PATH } })).stdout.trim();
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await psql('postgres', ['-c', 'SELECT 1']);
      break;
    } catch (error) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`scratch PostgreSQL did not start: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT'); // fast shutdown
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  };
  return { port, psql, stop };
}

function postgresBinDir(): string {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  const dir = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => existsSync(join(d, 'initdb')));
  if (!dir) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (.ci/run installs them)');
  return dir;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === 'postgres');
  if (!entry) throw new Error('running as root and there is no postgres user to run PostgreSQL as');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
