import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findOnPath, isExecutable } from './find-executable';
import type { RunAs } from './service-process';

const hasServerBinaries = (dir: string) => ['initdb', 'postgres', 'pg_basebackup'].every((b) => isExecutable(path.join(dir, b)));

/**
 * Directory with initdb/postgres/pg_basebackup. Debian keeps them off PATH (/usr/lib/postgresql/<v>/bin),
 * hence the search order: PG_BIN_DIR, `pg_config --bindir`, newest /usr/lib/postgresql/<v>/bin, PATH.
 */
export function findPostgresBinDir(): string {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv) {
    if (hasServerBinaries(fromEnv)) return fromEnv;
    throw new Error(`PG_BIN_DIR=${fromEnv} does not contain initdb, postgres and pg_basebackup`);
  }
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // no pg_config (it comes with libpq-dev / postgresql-server-dev); keep looking
  }
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v));
    versions.sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // not a Debian-style layout
  }
  const onPath = findOnPath('initdb');
  if (onPath) candidates.push(path.dirname(onPath));

  const found = candidates.find(hasServerBinaries);
  if (found) return found;
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres, pg_basebackup) not found. ' +
      'Install them (Debian/Ubuntu: `apt-get install postgresql`, macOS: `brew install postgresql@15`) ' +
      'or point PG_BIN_DIR at their directory.',
  );
}

/**
 * initdb and postgres refuse to run as root, so as root we run them as the `postgres` system user
 * (created by the Debian postgresql package). Otherwise we run them as ourselves.
 */
export function postgresRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (!entry) {
    throw new Error(
      'Running as root, but PostgreSQL cannot run as root and there is no `postgres` user. ' +
        'Create one (`apt-get install postgresql` does) or run as a non-root user.',
    );
  }
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}
