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

/** One process at a snapshot: its own CPU, and that of its children it has waited for. */
export interface ProcessCpu {
  ms: number;
  /** cutime + cstime: where an ended child's CPU goes once reaped (a PostgreSQL backend's, say). */
  reapedChildrenMs: number;
  ppid: number;
}

/** CPU per role and pid, so that a process that exits between two snapshots cannot make a delta negative. */
export type CpuSnapshot = Map<string, Map<number, ProcessCpu>>;

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

/** utime + stime of one process and cutime + cstime of its reaped children, in ms. */
export function processCpu(pid: number): ProcessCpu {
  const fields = statFields(pid);
  if (!fields) return { ms: 0, reapedChildrenMs: 0, ppid: 0 };
  // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
  const ms = (first: number) => ((Number(fields[first]) + Number(fields[first + 1])) * 1000) / TICKS_PER_SECOND;
  return { ms: ms(11), reapedChildrenMs: ms(13), ppid: Number(fields[1]) };
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
  for (const role of roles) snapshot.set(role.role, new Map(role.pids().map((pid) => [pid, processCpu(pid)])));
  const self = process.cpuUsage();
  snapshot.set('load generator', new Map([[process.pid, { ms: (self.user + self.system) / 1000, reapedChildrenMs: 0, ppid: 0 }]]));
  return snapshot;
}

/**
 * CPU ms per role between two snapshots. Processes started in between count from zero. A child
 * that ended in between (a PostgreSQL backend whose pool connection idled out) is no longer in
 * /proc, but its parent, once it has waited for it, holds all of its CPU: that counts, less
 * what the child had used by the first snapshot.
 */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [role, now] of after) {
    const then = before.get(role) ?? new Map<number, ProcessCpu>();
    let ms = 0;
    for (const [pid, cpu] of now) {
      const earlier = then.get(pid);
      ms += Math.max(0, cpu.ms - (earlier?.ms ?? 0)) + Math.max(0, cpu.reapedChildrenMs - (earlier?.reapedChildrenMs ?? 0));
    }
    for (const [pid, cpu] of then) if (!now.has(pid) && now.has(cpu.ppid)) ms -= cpu.ms;
    delta[role] = Math.round(Math.max(0, ms));
  }
  return delta;
}
