import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { AppKind, AppProcess, appScript } from '@orderflow/harness/app-process';

export { AppProcess };

const ROOT = resolve(__dirname, '../..');

/**
 * Runs a built app (`npm run build` first) as its own process, as in production, so that tests
 * can SIGKILL, SIGSTOP or SIGTERM it: the harness's runner (the bench's and `npm start`'s), with
 * the test's variables over this process's environment. Started once /health/live answers; its
 * output goes to `logFile`.
 */
export function startAppProcess(app: AppKind, env: Record<string, string>, port: number, logFile: string): Promise<AppProcess> {
  return AppProcess.start({
    kind: app,
    name: app,
    env: { ...inheritedEnv(), ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'info' },
    port,
    logFile,
    readyPath: app === 'router' ? '/router/health' : '/health/live',
  });
}

/**
 * Runs a built app that is expected to stop at start (bad configuration): resolves with its exit
 * code and everything it printed.
 */
export async function runAppToExit(app: AppKind, env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [appScript(app)], { cwd: ROOT, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((done) => child.once('close', (exitCode) => done(exitCode)));
  clearTimeout(timer);
  return { code, output };
}

function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
