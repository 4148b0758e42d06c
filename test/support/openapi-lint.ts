import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');

export interface LintFinding {
  linter: 'redocly' | 'spectral';
  severity: 'error' | 'warning';
  rule: string;
  where: string;
  message: string;
}

/** An OpenAPI document linted by Redocly (recommended rules) and Spectral (spectral:oas, .spectral.yaml). */
export async function lintOpenApi(document: unknown, name: string): Promise<LintFinding[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'orderflow-lint-')), `${name}.json`);
  writeFileSync(file, JSON.stringify(document, null, 2));
  const spectralReport = `${file}.spectral.json`;
  const [redocly] = await Promise.all([
    output(join(ROOT, 'node_modules/.bin/redocly'), ['lint', '--format=json', file]),
    output(join(ROOT, 'node_modules/.bin/spectral'), ['lint', '-f', 'json', '-o', spectralReport, '--ruleset', join(ROOT, '.spectral.yaml'), file]),
  ]);
  const redoclyProblems = (JSON.parse(redocly) as { problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }> }).problems;
  // Spectral severities: 0 error, 1 warning, 2 info, 3 hint.
  const spectralProblems = JSON.parse(readFileSync(spectralReport, 'utf8')) as Array<{ code: string; severity: number; message: string; path: string[] }>;
  return [
    ...redoclyProblems.map((p): LintFinding => ({
      linter: 'redocly',
      severity: p.severity === 'error' ? 'error' : 'warning',
      rule: p.ruleId,
      where: p.location[0]?.pointer ?? '',
      message: p.message,
    })),
    ...spectralProblems
      .filter((p) => p.severity <= 1)
      .map((p): LintFinding => ({ linter: 'spectral', severity: p.severity === 0 ? 'error' : 'warning', rule: p.code, where: p.path.join('.'), message: p.message })),
  ];
}

/** The linters exit non-zero when they find errors: their report is on stdout either way. */
async function output(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    // Both exit 1 when they found errors; anything else is a failure to run.
    const { code, stdout } = error as { code?: number; stdout?: string };
    if (code === 1) return stdout ?? '';
    throw error;
  }
}
