import http from 'node:http';
import path from 'node:path';
import { freePort } from '@orderflow/devstack/free-port';
import { startProcess, waitUntilReady, type ServiceProcess } from '@orderflow/devstack/service-process';

export type AppKind = 'api' | 'worker';

export interface AppProcessOptions {
  kind: AppKind;
  /** Shown in logs and reports: "api-1", "worker-2". */
  name: string;
  /** The services' variables (DATABASE_URL...), merged over nothing else but PATH. */
  env: Record<string, string>;
  logDir: string;
  /** Extra node flags, e.g. a CPU-profiler preload. */
  nodeArgs?: string[];
  /** The compiled apps; default <repo>/dist. */
  distDir?: string;
}

/**
 * One app of the system under test as its own process (`node dist/apps/<kind>/src/main.js`) on its
 * own port, which the harness can kill, pause, resume and restart like an orchestrator would.
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
    const app = new AppProcess(opts, await freePort());
    await app.launch();
    return app;
  }

  get name(): string {
    return this.opts.name;
  }

  get pid(): number | undefined {
    return this.proc?.isRunning() ? this.proc.pid : undefined;
  }

  get logFile(): string {
    return path.join(this.opts.logDir, `${this.opts.name}.log`);
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
    const script = path.join(distDir, 'apps', this.opts.kind, 'src', 'main.js');
    this.proc = await startProcess(process.execPath, [...(this.opts.nodeArgs ?? []), script], {
      logFile: this.logFile,
      env: { PATH: process.env.PATH ?? '', ...this.opts.env, PORT: String(this.port), ORDERFLOW_APP: this.opts.name },
      emergencySignal: 'SIGKILL',
    });
    const proc = this.proc;
    await waitUntilReady(proc, this.opts.name, () => ready(this.port), 60_000);
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

  /** Graceful stop (SIGTERM), SIGKILL after timeoutMs. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.intentional = true;
    if (this.proc?.isRunning()) process.kill(this.proc.pid, 'SIGCONT'); // a paused process cannot handle SIGTERM
    await this.proc?.stop('SIGTERM', timeoutMs);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }
}

/** dist/ whether this module runs compiled (dist/tools/bench/src) or from source (tools/bench/src, jest). */
export function defaultDistDir(): string {
  const root = path.resolve(__dirname, '../../..');
  return path.basename(root) === 'dist' ? root : path.join(root, 'dist');
}

/** GET /health/ready answers 200 (a fresh connection: the process may just have been restarted). */
export function ready(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health/ready', agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
