import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findOnPath } from './find-executable';
import { freePort } from './free-port';
import { startProcess, waitUntilReady, type ServiceProcess } from './service-process';

export interface RedisOptions {
  /** Default: a free port. */
  port?: number;
  /** Where redis-<port>.log goes. Default: the OS temp dir. */
  logDir?: string;
}

export interface RedisServer {
  url: string;
  port: number;
  /** Idempotent. */
  stop(): Promise<void>;
  /** Stop + start on the same port. Nothing is persisted, so all data is gone afterwards. */
  restart(): Promise<void>;
}

/** True when the server answers PING with PONG (raw RESP, so no client library retry logic in the way). */
function pingAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
    socket.on('timeout', () => done(false));
  });
}

/** A throwaway, in-memory-only redis-server child process on 127.0.0.1. */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  const binary = findOnPath('redis-server');
  if (!binary) {
    throw new Error('redis-server not found on PATH. Install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`).');
  }
  const port = opts.port ?? (await freePort());
  const logDir = opts.logDir ?? os.tmpdir();

  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
    // Redis loads <dir>/<dbfilename> at startup if it exists; point it at a name nothing ever writes,
    // so a stray dump.rdb in the cwd cannot leak into a "fresh" server.
    args.push('--dir', logDir, '--dbfilename', `devstack-redis-${port}-never-written.rdb`);
    const proc = await startProcess(binary, args, { logFile: path.join(logDir, `redis-${port}.log`), emergencySignal: 'SIGKILL' });
    await waitUntilReady(proc, `redis-server (port ${port})`, () => pingAnswers(port));
    return proc;
  };

  let proc: ServiceProcess = await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => proc.stop('SIGTERM'),
    async restart() {
      await proc.stop('SIGTERM');
      proc = await launch();
    },
  };
}
