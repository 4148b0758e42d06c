import { existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { startProcess, waitUntilReady, type ServiceProcess } from './service-process';

export interface SqsEmulatorOptions {
  /** Default: a free port. */
  port?: number;
  /** Where fauxqs-<port>.log goes. Default: the OS temp dir. */
  logDir?: string;
}

export interface SqsEmulator {
  /** http://127.0.0.1:PORT, for SQS and S3 (path-style) alike. */
  endpoint: string;
  port: number;
  /** Idempotent. */
  stop(): Promise<void>;
  /** Stop + start on the same port. fauxqs keeps everything in memory: queues and buckets are gone afterwards. */
  restart(): Promise<void>;
}

/**
 * fauxqs' CLI script. Its package.json `exports` only exposes the ESM entry point, so neither
 * require.resolve('fauxqs/dist/cli.js') nor require.resolve('fauxqs/package.json') works:
 * walk up from here to the node_modules/fauxqs directory instead.
 */
function fauxqsCli(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const cli = path.join(dir, 'node_modules', 'fauxqs', 'dist', 'cli.js');
    if (existsSync(cli)) return cli;
    if (path.dirname(dir) === dir) throw new Error('fauxqs not found in any node_modules above ' + __dirname + '; run `npm install`.');
  }
}

/** GET /health; a fresh connection each time (fetch would pool a keep-alive socket that outlives the check). */
function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/** fauxqs (SQS/SNS/S3 emulator) as a child Node process. */
export async function startSqsEmulator(opts: SqsEmulatorOptions = {}): Promise<SqsEmulator> {
  const cli = fauxqsCli();
  const port = opts.port ?? (await freePort());
  const logDir = opts.logDir ?? os.tmpdir();

  const launch = async () => {
    // FAUXQS_HOST is deliberately not set: it is not the bind address (fauxqs always binds 0.0.0.0) but the
    // suffix of queue URLs (http://sqs.<region>.<FAUXQS_HOST>:<port>/...); 127.0.0.1 there gives URLs that
    // `new URL()` rejects. The default yields http://sqs.<region>.localhost:<port>/000000000000/<name>.
    // FAUXQS_LOGGER is set but ignored by the 1.9.2 CLI (it hard-codes logger: true); the logs go to a file anyway.
    const env = { PATH: process.env.PATH, FAUXQS_PORT: String(port), FAUXQS_LOGGER: 'false' };
    const proc = await startProcess(process.execPath, [cli], {
      logFile: path.join(logDir, `fauxqs-${port}.log`),
      env,
      emergencySignal: 'SIGKILL',
    });
    await waitUntilReady(proc, `fauxqs (port ${port})`, () => healthy(port));
    return proc;
  };

  let proc: ServiceProcess = await launch();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => proc.stop('SIGTERM'),
    async restart() {
      await proc.stop('SIGTERM');
      proc = await launch();
    },
  };
}
