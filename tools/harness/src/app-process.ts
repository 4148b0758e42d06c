import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '@orderflow/devstack/free-port';
import { startProcess, waitUntilReady, type ProcessExit, type ServiceProcess } from '@orderflow/devstack/service-process';

export type AppKind = 'api' | 'worker' | 'reporting' | 'router';

export interface AppProcessOptions {
  kind: AppKind;
  /** Shown in logs and reports: "api-1", "worker-2". */
  name: string;
  /** The app's whole environment besides PORT: nothing else of ours is passed on. */
  env: Record<string, string>;
  /** Where stdout and stderr go: logFile, or <logDir>/<name>.log. */
  logFile?: string;
  logDir?: string;
  /** Default: a free port. */
  port?: number;
  /** Extra node flags, e.g. a CPU-profiler preload. */
  nodeArgs?: string[];
  /** The compiled apps; default <repo>/dist. */
  distDir?: string;
  /** Answers 200 once the app counts as started; default /health/ready (the router: /router/health). */
  readyPath?: string;
}

/**
 * One app as its own process (`node dist/apps/<kind>/src/main.js`) on its own port, as in
 * production, which the bench, the chaos run, `npm start` and the tests kill, pause, resume and
 * restart like an orchestrator would.
 */
export class AppProcess {
  readonly url: string;
  private proc: ServiceProcess | undefined;
  /** Set while the harness itself takes the process down, so that only crashes reach the supervisor. */
  private intentional = false;
  private onCrash: ((name: string) => void) | undefined;

  private constructor(
    private readonly opts: AppProcessOptions,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(opts: AppProcessOptions): Promise<AppProcess> {
    const app = new AppProcess(opts, opts.port ?? (await freePort()));
    try {
      await app.launch();
    } catch (error) {
      await app.kill(); // not ready in time: not left running
      throw error;
    }
    return app;
  }

  get name(): string {
    return this.opts.name;
  }

  get pid(): number | undefined {
    return this.proc?.isRunning() ? this.proc.pid : undefined;
  }

  get logFile(): string {
    return this.opts.logFile ?? path.join(this.opts.logDir ?? '.', `${this.opts.name}.log`);
  }

  /** Resolves once the current process is gone: how it ended. */
  get exited(): Promise<ProcessExit> {
    return this.proc?.exited ?? Promise.resolve({ code: null, signal: null });
  }

  isRunning(): boolean {
    return this.proc?.isRunning() ?? false;
  }

  /**
   * Restarts the process a second after it dies on its own, as an orchestrator would, and reports
   * each such crash.
   */
  supervise(onCrash: (name: string) => void): void {
    this.onCrash = onCrash;
  }

  async launch(): Promise<void> {
    this.intentional = false;
    const distDir = this.opts.distDir ?? defaultDistDir();
    this.proc = await startProcess(process.execPath, [...(this.opts.nodeArgs ?? []), appScript(this.opts.kind, distDir)], {
      logFile: this.logFile,
      cwd: path.dirname(distDir),
      env: { ...this.opts.env, PORT: String(this.port) },
      emergencySignal: 'SIGKILL',
    });
    const proc = this.proc;
    const readyPath = this.opts.readyPath ?? (this.opts.kind === 'router' ? '/router/health' : '/health/ready');
    await waitUntilReady(proc, this.opts.name, () => answers200(this.port, readyPath), 60_000);
    void proc.exited.then(() => {
      if (this.intentional || !this.onCrash || this.proc !== proc) return;
      this.onCrash(this.opts.name);
      setTimeout(() => void this.launch().catch(() => undefined), 1000);
    });
  }

  /** Sends a signal and does not wait (SIGKILL, SIGSTOP, SIGCONT, SIGUSR2). */
  signal(signal: NodeJS.Signals): void {
    if (this.proc?.isRunning()) process.kill(this.proc.pid, signal);
  }

  async kill(): Promise<void> {
    this.intentional = true;
    await this.proc?.stop('SIGKILL');
  }

  /** Graceful stop (SIGTERM), SIGKILL after timeoutMs: how it ended and how long that took. */
  async stop(timeoutMs = 30_000): Promise<ProcessExit & { ms: number }> {
    this.intentional = true;
    const started = Date.now();
    if (this.proc?.isRunning()) process.kill(this.proc.pid, 'SIGCONT'); // a paused process cannot handle SIGTERM
    await this.proc?.stop('SIGTERM', timeoutMs);
    return { ...(await this.exited), ms: Date.now() - started };
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }
}

/** The compiled entry point of an app; throws when the build is missing. */
export function appScript(kind: AppKind, distDir = defaultDistDir()): string {
  const script = path.join(distDir, 'apps', kind, 'src', 'main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  return script;
}

/** dist/ whether this module runs compiled (dist/tools/harness/src) or from source (tools/harness/src, jest). */
export function defaultDistDir(): string {
  const root = path.resolve(__dirname, '../../..');
  return path.basename(root) === 'dist' ? root : path.join(root, 'dist');
}

/** GET urlPath answers 200 (a fresh connection: the process may just have been restarted). */
function answers200(port: number, urlPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
