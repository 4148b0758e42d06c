import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * CI runs the short benchmark and the short chaos run as an operator would (built code, child
 * processes, their own services) and checks what they prove: nothing lost, duplicated or out of
 * order. Speed is never asserted here; `npm run bench` reports it.
 */
const root = resolve(__dirname, '../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function ensureBuilt(): void {
  const built = ['dist/bin/bench.js', 'dist/bin/chaos.js', 'dist/apps/api/src/main.js', 'dist/apps/worker/src/main.js'].map((f) => join(root, f));
  const builtAt = Math.min(...built.map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0)));
  const sourcesAt = Math.max(...['libs', 'tools', 'apps', 'bin'].map((dir) => newestMtime(join(root, dir))));
  if (builtAt < sourcesAt) execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}

function run(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist/bin', script), ...args], {
      cwd: root,
      // Never attach to services named by the caller's environment: the quick runs start their own.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: process.env.CI },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolvePromise({ code, output }));
  });
}

function resultJson(outDir: string, file: string): any {
  const [run] = readdirSync(outDir).filter((name) => existsSync(join(outDir, name, file)));
  if (!run) throw new Error(`no ${file} under ${outDir}`);
  return JSON.parse(readFileSync(join(outDir, run, file), 'utf8'));
}

describe('benchmark and chaos harness (quick runs)', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('bench --quick keeps every invariant after every phase', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'orderflow-bench-quick-'));
    const { code, output } = await run('bench.js', ['--quick', '--out', outDir]);
    if (code !== 0) throw new Error(`bench --quick exited ${code}:\n${output.slice(-4000)}`);
    const result = resultJson(outDir, 'bench.json');
    const kinds = new Set(result.phases.map((phase: { kind: string }) => phase.kind));
    expect([...kinds].sort()).toEqual(['mixed', 'mixed-rest', 'mixed-sqs', 'raw', 'rest', 'sqs']);
    for (const phase of result.phases) expect({ phase: phase.id, invariants: phase.invariants.ok }).toEqual({ phase: phase.id, invariants: true });
    expect(result.finalInvariants).toMatchObject({ lost: 0, duplicated: 0, orderNumberGaps: 0, eventsMissing: 0, eventsOutOfOrder: 0 });
    expect(existsSync(result.files.svg)).toBe(true);
  }, 300_000);

  it('chaos --quick loses, duplicates and reorders nothing while processes, Redis and PostgreSQL fail', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'orderflow-chaos-quick-'));
    const { code, output } = await run('chaos.js', ['--quick', '--out', outDir]);
    if (code !== 0) throw new Error(`chaos --quick exited ${code}:\n${output.slice(-4000)}`);
    const result = resultJson(outDir, 'chaos.json');
    expect(result.faults.every((fault: { ok: boolean }) => fault.ok)).toBe(true);
    expect(result.invariants.accepted).toBeGreaterThan(0);
    expect(result.invariants).toMatchObject({
      lost: 0,
      duplicated: 0,
      orderNumberGaps: 0,
      fifoViolations: 0,
      creditViolations: 0,
      stockViolations: 0,
      eventsMissing: 0,
      eventsOutOfOrder: 0,
    });
    expect(result.eventsQueue).toMatchObject({ missing: 0, outOfOrder: 0 });
    // The worker rollout fault moved customers to the candidate worker and back, in order.
    expect(result.faults.filter((fault: { name: string }) => fault.name.startsWith('worker rollout'))).toHaveLength(3);
    expect(result.versions['0.0.0-chaos-candidate via sqs']).toBeGreaterThan(0);
  }, 300_000);
});
