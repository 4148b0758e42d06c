import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findOnPath } from '@orderflow/devstack/find-executable';
import { generationOf } from './nginx-config';
import { logTail, runToCompletion, startProcess, type ServiceProcess } from '@orderflow/devstack/service-process';

/**
 * nginx as a child of the controller, in its own runtime dir (prefix, pid, logs, temp dirs; never
 * /etc/nginx). Every configuration is checked with `nginx -t` before it replaces the running one,
 * and applied with SIGHUP: nginx starts new workers on the new configuration and lets the old ones
 * finish their in-flight requests (graceful reload).
 */

const NJS_MODULE_CANDIDATES = ['/usr/lib/nginx/modules/ngx_http_js_module.so', '/usr/lib64/nginx/modules/ngx_http_js_module.so', '/usr/share/nginx/modules/ngx_http_js_module.so'];

export function findNginx(): string {
  const binary = findOnPath('nginx') ?? ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((p) => existsSync(p));
  if (!binary) throw new Error('nginx not found. Install it (Debian/Ubuntu: `apt-get install nginx libnginx-mod-http-js`).');
  return binary;
}

export function findNjsModule(): string {
  const module = NJS_MODULE_CANDIDATES.find((p) => existsSync(p));
  if (!module) throw new Error('the nginx njs module is missing. Install it (Debian/Ubuntu: `apt-get install libnginx-mod-http-js`).');
  return module;
}

/** What a render produces; the controller writes these into the runtime dir. */
export interface RouterFiles {
  nginxConf: string;
  njsScript: string;
  /** Secrets: written 0600. */
  keysModule: string;
}

/** Running as root, nginx workers switch to this user: it only needs the temp dirs. */
export const ROOT_WORKER_USER = 'nobody nogroup';

/** The runtime dir: 0700 when nginx keeps our user, 0711 + temp dirs owned by the worker user as root. */
export function prepareRuntimeDir(dir: string): { workerUser?: string } {
  const root = process.getuid?.() === 0;
  mkdirSync(join(dir, 'logs'), { recursive: true });
  chmodSync(dir, root ? 0o711 : 0o700);
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  chmodSync(tmp, root ? 0o711 : 0o700);
  for (const name of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    const sub = join(tmp, name);
    mkdirSync(sub, { recursive: true });
    if (root) chownSync(sub, 65534, 65534);
  }
  return root ? { workerUser: ROOT_WORKER_USER } : {};
}

/** nginx gets no secret through its environment: only what it needs to run. */
const NGINX_ENV = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };

export class NginxConfigRejected extends Error {}

export interface NginxRouterOptions {
  binary: string;
  runtimeDir: string;
  /** Where /router/health answers, to know when a configuration is being served. */
  healthUrl: string;
}

export class NginxRouter {
  private process?: ServiceProcess;
  private applied?: string;

  constructor(private readonly options: NginxRouterOptions) {}

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get exited(): Promise<unknown> | undefined {
    return this.process?.exited;
  }

  /** Writes the files, checks them, then starts nginx (first call) or reloads it, and waits until the new workers serve. */
  async apply(files: RouterFiles): Promise<void> {
    const dir = this.options.runtimeDir;
    writeSecret(join(dir, 'route-keys.js'), files.keysModule);
    writeFileSync(join(dir, 'route-token.js'), files.njsScript, { mode: 0o600 });
    const candidate = join(dir, 'nginx.next.conf');
    writeFileSync(candidate, files.nginxConf, { mode: 0o600 });
    await this.check(candidate);
    renameSync(candidate, join(dir, 'nginx.conf'));
    const generation = generationOf(files.nginxConf);
    if (!this.process) {
      this.process = await startProcess(this.options.binary, ['-p', dir, '-c', join(dir, 'nginx.conf')], {
        logFile: join(dir, 'logs', 'nginx.out'),
        env: NGINX_ENV,
        // If the controller dies without stopping it, nginx must not keep serving a stale routing table.
        emergencySignal: 'SIGTERM',
      });
      await this.waitServing(generation, []);
    } else {
      const previousWorkers = workersOf(this.process.pid);
      process.kill(this.process.pid, 'SIGHUP');
      await this.waitServing(generation, previousWorkers);
    }
    this.applied = generation;
  }

  get appliedGeneration(): string | undefined {
    return this.applied;
  }

  /** SIGQUIT: graceful shutdown, in-flight requests finish. */
  async stop(timeoutMs = 15_000): Promise<void> {
    await this.process?.stop('SIGQUIT', timeoutMs);
  }

  private async check(file: string): Promise<void> {
    const log = join(this.options.runtimeDir, 'logs', 'nginx-test.log');
    try {
      await runToCompletion(this.options.binary, ['-t', '-q', '-p', this.options.runtimeDir, '-c', file], { logFile: log, env: NGINX_ENV });
    } catch (error) {
      throw new NginxConfigRejected(`nginx -t rejected the rendered configuration: ${(error as Error).message}`);
    }
  }

  /**
   * Until the new workers answer the new generation and every previous worker stopped accepting
   * (it is gone, or has retitled itself "worker process is shutting down" while it finishes its
   * requests): from then on, no new request is routed by the old configuration.
   */
  private async waitServing(generation: string, previousWorkers: number[]): Promise<void> {
    const deadline = Date.now() + 15_000;
    let served = false;
    for (;;) {
      if (this.process && !this.process.isRunning()) {
        throw new Error(`nginx ${this.process.exitDescription()}\n${logTail(join(this.options.runtimeDir, 'logs', 'error.log'))}`);
      }
      try {
        const response = await fetch(this.options.healthUrl, { signal: AbortSignal.timeout(1000) });
        served ||= response.ok && ((await response.json()) as { generation?: string }).generation === generation;
        if (served && previousWorkers.every(stoppedAccepting)) return;
      } catch {
        // not listening yet, or old workers answering
      }
      if (Date.now() > deadline) throw new Error(`nginx did not serve configuration ${generation} within 15 s\n${logTail(join(this.options.runtimeDir, 'logs', 'error.log'))}`);
      await sleep(25);
    }
  }
}

/** The worker processes of an nginx master (Linux /proc). */
function workersOf(masterPid: number): number[] {
  try {
    return readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function stoppedAccepting(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('shutting down');
  } catch {
    return true; // gone
  }
}

function writeSecret(file: string, content: string): void {
  // Created 0600 from the start, then swapped in, so the secret is never readable by others.
  const next = `${file}.next`;
  writeFileSync(next, content, { mode: 0o600 });
  chmodSync(next, 0o600);
  renameSync(next, file);
}
