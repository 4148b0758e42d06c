import type Redis from 'ioredis';
import type { VersionFigures } from './traffic-figures';

/** What a release step's controller measured (the router's access log, the workers' outcomes): both versions over the window so far. */
export interface StepFigures {
  releaseId: string;
  stepIndex: number;
  window: { from: string; to: string };
  stable: VersionFigures & { version: string };
  candidate: VersionFigures & { version: string };
}

/** Redis key of the elected controller's live figures of a release's current step (short TTL). */
export const stepFiguresKey = (releaseId: string) => `orderflow:release:figures:${releaseId}`;

export async function readStepFigures(redis: Redis, releaseId: string): Promise<StepFigures | null> {
  const raw = await redis.get(stepFiguresKey(releaseId)).catch(() => null);
  return raw ? (JSON.parse(raw) as StepFigures) : null;
}

function isStepFigures(value: unknown): value is StepFigures {
  const figures = value as Partial<StepFigures> | null;
  return typeof figures?.stable?.version === 'string' && typeof figures?.candidate?.version === 'string';
}

const pct = (rate: number) => `${(rate * 100).toFixed(2)}%`;
const ms = (value: number | null) => (value === null ? '-' : `${value} ms`);

/** Stable and candidate side by side, for `release status`; null when `value` is not router figures. */
export function formatStepFigures(value: unknown, indent = '    '): string[] | null {
  if (!isStepFigures(value)) return null;
  const rows: Array<[string, (f: VersionFigures) => string]> = [
    ['requests', (f) => String(f.requests)],
    ['5xx rate', (f) => `${pct(f.errorRate)} (${f.errors5xx})`],
    ['p95', (f) => ms(f.p95Ms)],
    ['upstream timeouts', (f) => `${f.timeouts} (${pct(f.timeoutRate)})`],
  ];
  const head = ['', `stable ${value.stable.version}`, `candidate ${value.candidate.version}`];
  const table = [head, ...rows.map(([name, cell]) => [name, cell(value.stable), cell(value.candidate)])];
  const widths = [0, 1, 2].map((column) => Math.max(...table.map((row) => row[column].length)));
  return [
    `${indent}window ${value.window.from} .. ${value.window.to}`,
    ...table.map((row) => `${indent}${row.map((cell, column) => cell.padEnd(widths[column])).join('   ').trimEnd()}`),
  ];
}
