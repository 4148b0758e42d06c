import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { guardPid } from './orphan-guard';

/** Run a child as another user (root must not run initdb/postgres). */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface ProcessOptions {
  /** stdout and stderr are appended here; services never write to our terminal. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  runAs?: RunAs;
}

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves once the process is gone. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** How it ended, for error messages. */
  exitDescription(): string;
  /** Sends `signal` and waits for the exit; SIGKILL if it is still alive after timeoutMs. No-op once gone. */
  stop(signal: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

async function spawnLogged(command: string, args: string[], opts: ProcessOptions) {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      uid: opts.runAs?.uid,
      gid: opts.runAs?.gid,
      stdio: ['ignore', fd, fd],
      // Same process group as us, so a terminal Ctrl+C reaches services too.
      detached: false,
    });
    await Promise.race([once(child, 'spawn'), once(child, 'error').then(([err]) => Promise.reject(err))]);
    return child;
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

/**
 * Starts a long-running service. `emergencySignal` is what it receives if we die without stopping it
 * (SIGQUIT for a postmaster, so it takes its backends down with it; SIGKILL for single-process services).
 */
export async function startProcess(
  command: string,
  args: string[],
  opts: ProcessOptions & { emergencySignal: NodeJS.Signals },
): Promise<ServiceProcess> {
  const child = await spawnLogged(command, args, opts);
  const pid = child.pid!;
  const release = guardPid(pid, opts.emergencySignal);
  let ended: string | undefined;
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = signal ? `killed by ${signal}` : `exited with code ${code}`;
      release();
      resolve({ code, signal });
    }),
  );
  const isRunning = () => ended === undefined;
  return {
    pid,
    logFile: opts.logFile,
    exited,
    isRunning,
    exitDescription: () => ended ?? 'still running',
    async stop(signal, timeoutMs = 20_000) {
      if (!isRunning()) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a one-shot tool (initdb, pg_basebackup); rejects with the end of its log if it fails. */
export async function runToCompletion(command: string, args: string[], opts: ProcessOptions): Promise<void> {
  const child = await spawnLogged(command, args, opts);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    throw new Error(`${command} ${signal ? `killed by ${signal}` : `exited with code ${code}`}\n${logTail(opts.logFile)}`);
  }
}

/** Polls `isReady` until it returns true; fails early (with the service log) if the process dies. */
export async function waitUntilReady(
  proc: ServiceProcess,
  what: string,
  isReady: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.isRunning()) {
      throw new Error(`${what} ${proc.exitDescription()} before it was ready\n${logTail(proc.logFile)}`);
    }
    if (await isReady().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms\n${logTail(proc.logFile)}`);
}

export function logTail(logFile: string, lines = 20): string {
  try {
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    return `--- last lines of ${logFile} ---\n${tail}`;
  } catch {
    return `(no log at ${logFile})`;
  }
}
