import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(__dirname, '../..');

export interface AppProcess {
  url: string;
  pid: number;
  process: ChildProcess;
  /** Where its stdout and stderr go. */
  logFile: string;
  /** SIGTERM and wait; resolves with the exit code and how long the shutdown took. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a built app (`npm run build` first) as its own process, as in production, so that tests
 * can SIGKILL, SIGSTOP or SIGTERM it. Its output goes to `logFile`.
 */
export async function startAppProcess(
  app: 'api' | 'worker' | 'reporting' | 'router',
  env: Record<string, string>,
  port: number,
  logFile: string,
): Promise<AppProcess> {
  const script = join(ROOT, 'dist/apps', app, 'src/main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: env.LOG_LEVEL ?? 'info' },
    stdio: ['ignore', out, out],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode} at start; see ${logFile}`);
    try {
      if ((await fetch(`${url}${app === 'router' ? '/router/health' : '/health/live'}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${app} did not start; see ${logFile}`);
    await sleep(100);
  }
  return {
    url,
    logFile,
    pid: child.pid!,
    process: child,
    exited,
    kill: (signal) => child.kill(signal),
    stop: async () => {
      const started = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const result = await exited;
      return { ...result, ms: Date.now() - started };
    },
  };
}

/**
 * Runs a built app that is expected to stop at start (bad configuration): resolves with its exit
 * code and everything it printed.
 */
export async function runAppToExit(app: 'api' | 'worker' | 'reporting', env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const script = join(ROOT, 'dist/apps', app, 'src/main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [script], { cwd: ROOT, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((done) => child.once('close', (exitCode) => done(exitCode)));
  clearTimeout(timer);
  return { code, output };
}
