import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Makes sure service processes die with the Node process that started them.
 *
 * Two layers, because a parent can die in ways that run no JS:
 * - `killGuardedSync()` is called from a process 'exit' handler (normal exit, process.exit, after SIGINT/SIGTERM cleanup).
 * - a tiny detached "reaper" process holds the read end of a pipe from us; when we die for any reason
 *   (including SIGKILL or an OOM kill) the pipe hits EOF and the reaper signals whatever is still registered.
 */

const guarded = new Map<number, NodeJS.Signals>();
let reaper: ChildProcess | undefined;

// Runs in the reaper: keeps a pid -> signal table fed by "+pid SIG" / "-pid" lines on stdin.
const REAPER_SOURCE = `
const pids = new Map();
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf('\\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    const [pid, signal] = line.slice(1).split(' ');
    if (line[0] === '+') pids.set(Number(pid), signal); else pids.delete(Number(pid));
  }
});
const reap = () => {
  for (const [pid, signal] of pids) { try { process.kill(pid, signal); } catch {} }
  process.exit(0);
};
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

function tellReaper(line: string): void {
  if (!reaper) {
    // detached: own process group, so a Ctrl+C aimed at our group does not kill it before it can do its job.
    reaper = spawn(process.execPath, ['-e', REAPER_SOURCE], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: {} });
    reaper.on('error', () => (reaper = undefined));
    // Neither the reaper nor its pipe may keep our event loop (or a jest worker) alive.
    reaper.unref();
    (reaper.stdin as unknown as { unref(): void }).unref();
  }
  reaper.stdin?.write(`${line}\n`);
}

/** Registers `pid` to receive `signal` if we die before calling the returned release function. */
export function guardPid(pid: number, signal: NodeJS.Signals): () => void {
  guarded.set(pid, signal);
  tellReaper(`+${pid} ${signal}`);
  return () => {
    if (guarded.delete(pid)) tellReaper(`-${pid}`);
  };
}

/** Last resort for a process 'exit' handler: signal every still-registered process, synchronously. */
export function killGuardedSync(): void {
  for (const [pid, signal] of guarded) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  guarded.clear();
}
