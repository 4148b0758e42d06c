import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time per role (api, worker, postgres, redis, sqs emulator, load generator) between two
 * moments, read from /proc: on a shared 2-core machine this says where the time goes. Linux only;
 * elsewhere every role reads as unknown.
 */
export interface CpuRole {
  role: string;
  /** The processes of the role right now (read again at each snapshot: apps get restarted). */
  pids(): number[];
}

/** CPU ms per role and pid, so that a process that exits between two snapshots cannot make a delta negative. */
export type CpuSnapshot = Map<string, Map<number, number>>;

const TICKS_PER_SECOND = 100; // USER_HZ on every Linux this runs on

export const procAvailable = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: fields start after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime of one process, in ms. */
export function processCpuMs(pid: number): number {
  const fields = statFields(pid);
  if (!fields) return 0;
  // After the name: state(0) ppid(1) ... utime(11) stime(12)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function allPids(): number[] {
  if (!procAvailable) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Processes whose command line matches, and all their children. */
export function pidsMatching(matches: (cmdline: string, pid: number) => boolean): number[] {
  const pids = allPids();
  const roots = new Set(pids.filter((pid) => matches(cmdline(pid), pid)));
  const children = pids.filter((pid) => {
    const ppid = Number(statFields(pid)?.[1]);
    return roots.has(ppid);
  });
  return [...roots, ...children];
}

/** One variable of a process's environment (readable for our own children). */
export function processEnvVar(pid: number, name: string): string | undefined {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((line) => line.startsWith(`${name}=`));
    return entry?.slice(name.length + 1);
  } catch {
    return undefined;
  }
}

export function snapshotCpu(roles: readonly CpuRole[]): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  for (const role of roles) snapshot.set(role.role, new Map(role.pids().map((pid) => [pid, processCpuMs(pid)])));
  const self = process.cpuUsage();
  snapshot.set('load generator', new Map([[process.pid, (self.user + self.system) / 1000]]));
  return snapshot;
}

/** CPU ms per role between two snapshots (processes started in between count from zero). */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [role, pids] of after) {
    let ms = 0;
    for (const [pid, now] of pids) ms += Math.max(0, now - (before.get(role)?.get(pid) ?? 0));
    delta[role] = Math.round(ms);
  }
  return delta;
}
