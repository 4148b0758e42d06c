import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { findOnPath, isExecutable } from './find-executable';
import { freePort } from './free-port';
import { findPostgresBinDir } from './postgres-binaries';
import { startProcess, waitUntilReady } from './service-process';

export interface EndpointServer {
  name: string;
  port: number;
  /**
   * true: in rotation while `SELECT pg_is_in_recovery()` answers false (the endpoint follows the
   * writer by itself, as an on-premises HAProxy in front of a primary/standby pair does).
   * false: no health check, out of rotation until `routeOnlyTo` names it (a stale DNS record).
   */
  followsWriter: boolean;
}

export interface WriterEndpoint {
  /** The endpoint as a connection URL to `database` (user postgres, trust auth). */
  url(database: string): string;
  port: number;
  /** Every server, its state as HAProxy's health check sees it (UP, DOWN) and whether it is in rotation. */
  states(): Promise<Record<string, { up: boolean; inRotation: boolean }>>;
  /**
   * Sends every new connection to `name` only; sessions already open to the others are cut when
   * `cutSessions` is set (a failover drops them), kept otherwise.
   */
  routeOnlyTo(name: string, options?: { cutSessions?: boolean }): Promise<void>;
  /** Back to the health-checked servers; sessions open to the others stay open, as after a DNS flip. */
  followWriter(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A movable writer endpoint for failover tests: HAProxy 2.6 (Debian) in TCP mode in front of
 * PostgreSQL servers, with an external health check on pg_is_in_recovery() and its runtime API
 * (admin socket) to move the endpoint on purpose.
 */
export async function startWriterEndpoint(opts: { rootDir: string; servers: EndpointServer[] }): Promise<WriterEndpoint> {
  const haproxy = findOnPath('haproxy') ?? (isExecutable('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : undefined);
  if (!haproxy) throw new Error('haproxy not found. Install it (Debian/Ubuntu: `apt-get install haproxy`).');
  const dir = path.join(opts.rootDir, 'haproxy');
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const socket = path.join(dir, 'admin.sock');
  const check = path.join(dir, 'is-writer.sh');
  // HAProxy passes <proxy addr> <proxy port> <server addr> <server port>; exit 0 = up.
  await writeFile(
    check,
    `#!/bin/sh\n[ "$(${path.join(findPostgresBinDir(), 'psql')} -h "$3" -p "$4" -U postgres -d postgres -XAtc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]\n`,
  );
  await chmod(check, 0o755);
  const config = path.join(dir, 'haproxy.cfg');
  await writeFile(
    config,
    [
      'global',
      `  stats socket ${socket} mode 600 level admin`,
      '  external-check',
      '  insecure-fork-wanted',
      'defaults',
      '  mode tcp',
      '  timeout connect 1s',
      // Pooled connections idle for long: the endpoint must not be what closes them.
      '  timeout client 1h',
      '  timeout server 1h',
      '  timeout check 2s',
      'frontend writer',
      `  bind 127.0.0.1:${port}`,
      '  default_backend writer',
      'backend writer',
      '  option external-check',
      '  external-check path "/usr/bin:/bin"',
      `  external-check command ${check}`,
      ...opts.servers.map((s) =>
        // Weight 0 takes a server out of rotation while its health check keeps running.
        s.followsWriter ? `  server ${s.name} 127.0.0.1:${s.port} check inter 300 fall 1 rise 1` : `  server ${s.name} 127.0.0.1:${s.port} weight 0`,
      ),
      '',
    ].join('\n'),
  );
  const proc = await startProcess(haproxy, ['-db', '-f', config], { logFile: path.join(dir, 'haproxy.log'), emergencySignal: 'SIGKILL' });

  const command = (line: string) =>
    new Promise<string>((resolve, reject) => {
      const client = connect(socket);
      let reply = '';
      client.on('connect', () => client.end(`${line}\n`));
      client.on('data', (chunk) => (reply += chunk.toString()));
      client.on('end', () => resolve(reply));
      client.on('error', reject);
    });
  const states = async () => {
    // "show servers state": one line per server after a version line and a header.
    // Fields: be_id be_name srv_id srv_name srv_addr srv_op_state (2 = running) srv_admin_state srv_uweight ...
    const lines = (await command('show servers state writer')).trim().split('\n').slice(2);
    return Object.fromEntries(
      lines.map((line) => {
        const fields = line.split(' ');
        return [fields[3], { up: fields[5] === '2', inRotation: fields[7] !== '0' }];
      }),
    );
  };
  await waitUntilReady(proc, `haproxy (port ${port})`, async () => Object.keys(await states()).length === opts.servers.length);

  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    states,
    async routeOnlyTo(name, { cutSessions = false } = {}) {
      await command(`set weight writer/${name} 1`);
      for (const other of opts.servers.filter((s) => s.name !== name)) {
        await command(`set weight writer/${other.name} 0`);
        if (cutSessions) await command(`shutdown sessions server writer/${other.name}`);
      }
    },
    async followWriter() {
      for (const server of opts.servers) await command(`set weight writer/${server.name} ${server.followsWriter ? 1 : 0}`);
    },
    stop: () => proc.stop('SIGTERM'),
  };
}
