import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuDelta, CpuRole, pidsMatching, procAvailable, snapshotCpu } from './cpu-usage';

/** Burns the CPU time it is told to ("burn 300" = 300 ms of its own CPU), says "burnt", and ends on "exit". */
const CHILD = `
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, ms] = line.split(' ');
  if (command === 'exit') process.exit(0);
  const used = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };
  const until = used() + Number(ms);
  while (used() < until);
  process.stdout.write('burnt\\n');
});`;

/** A parent like the postmaster: starts a child on "spawn", passes other lines to it, says "exited" once it has waited for it. */
const PARENT = `
const { spawn } = require('node:child_process');
let child;
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'spawn') return child.stdin.write(line + '\\n');
  child = spawn(process.execPath, ['-e', ${JSON.stringify(CHILD)}], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout.pipe(process.stdout, { end: false });
  child.on('exit', () => process.stdout.write('exited\\n'));
});`;

/** The parent process, driven line by line: `says` resolves at its next line of output. */
function startParent(): { process: ChildProcessWithoutNullStreams; tell(line: string): void; says(): Promise<string> } {
  const parent = spawn(process.execPath, ['-e', PARENT]);
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  createInterface({ input: parent.stdout }).on('line', (line) => (waiting.shift() ?? ((l: string) => lines.push(l)))(line));
  return {
    process: parent,
    tell: (line) => parent.stdin.write(`${line}\n`),
    says: () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiting.push(resolve))),
  };
}

const BURN_MS = 300;
/** /proc counts in 10 ms ticks, a few per process. */
const TICKS_MS = 30;

(procAvailable ? describe : describe.skip)('CPU per role from /proc', () => {
  let parent: ReturnType<typeof startParent>;
  let role: CpuRole;

  beforeEach(() => {
    parent = startParent();
    const pid = parent.process.pid!;
    role = { role: 'parent', pids: () => pidsMatching((_cmdline, candidate) => candidate === pid) };
  });

  afterEach(() => parent.process.kill());

  it('counts a child that started and ended between the snapshots, from its parent once it was waited for', async () => {
    const before = snapshotCpu([role]);
    parent.tell('spawn');
    parent.tell(`burn ${BURN_MS}`);
    expect(await parent.says()).toBe('burnt');
    parent.tell('exit');
    expect(await parent.says()).toBe('exited');

    expect(cpuDelta(before, snapshotCpu([role])).parent).toBeGreaterThanOrEqual(BURN_MS - TICKS_MS);
  });

  it('counts a child that ended between the snapshots only for what it used after the first', async () => {
    parent.tell('spawn');
    parent.tell(`burn ${BURN_MS}`);
    expect(await parent.says()).toBe('burnt');
    const before = snapshotCpu([role]);
    expect(before.get('parent')!.size).toBe(2);
    parent.tell(`burn ${BURN_MS}`);
    expect(await parent.says()).toBe('burnt');
    parent.tell('exit');
    expect(await parent.says()).toBe('exited');
    const after = snapshotCpu([role]);

    expect(after.get('parent')!.size).toBe(1);
    const ms = cpuDelta(before, after).parent;
    expect(ms).toBeGreaterThanOrEqual(BURN_MS - TICKS_MS);
    // The first burn (and the child's start) happened before: counting them would pass 2 x BURN_MS.
    expect(ms).toBeLessThan(1.5 * BURN_MS);
  });
});
