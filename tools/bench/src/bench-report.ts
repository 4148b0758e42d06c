import { LatencySummary } from './latency';
import { InvariantReport, VIOLATION_KEYS } from '@orderflow/harness/invariants';

/** One measured row: a raw-limit level, a REST level, an SQS drain, or one half of the mixed run. */
export interface PhaseResult {
  id: string;
  kind: 'raw' | 'rest' | 'sqs' | 'mixed-rest' | 'mixed-sqs' | 'mixed';
  label: string;
  concurrency?: number;
  workers?: number;
  orders: number;
  errors: number;
  errorKinds: Record<string, number>;
  seconds: number;
  ordersPerSecond: number;
  /** Request latency (REST) or transaction latency (raw limit). */
  latency?: LatencySummary;
  /** SQS: from the drain's start (the paused workers resume on a full queue) to the commit of the order. */
  endToEnd?: LatencySummary;
  ratioToRawLimit?: number;
  /** CPU ms per role during the phase, and per order. */
  cpuMs?: Record<string, number>;
  cpuMsPerOrder?: Record<string, number>;
  /** SQS phases: the workers' SQS calls per order, by operation. */
  sqsCallsPerOrder?: Record<string, number>;
  invariants?: Pick<InvariantReport, 'ok' | (typeof VIOLATION_KEYS)[number] | 'accepted' | 'processed'>;
  note?: string;
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

const fmt = (value: number | undefined, digits = 1) => (value === undefined ? '-' : value.toFixed(digits));
const int = (value: number | undefined) => (value === undefined ? '-' : Math.round(value).toLocaleString('en-US'));

export const TABLE_HEADER = ['phase', 'clients', 'orders', 'orders/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'x raw', 'invariants'];

function clients(row: PhaseResult): string {
  const workers = row.workers !== undefined ? `${row.workers} worker${row.workers > 1 ? 's' : ''}` : '';
  if (row.concurrency !== undefined && workers) return `${row.concurrency} + ${workers}`;
  return workers || String(row.concurrency ?? '-');
}

export function tableRow(row: PhaseResult): string[] {
  const latency = row.latency ?? row.endToEnd;
  return [
    row.label,
    clients(row),
    int(row.orders),
    int(row.ordersPerSecond),
    fmt(latency?.p50Ms),
    fmt(latency?.p95Ms),
    fmt(latency?.p99Ms),
    fmt(latency?.maxMs),
    String(row.errors),
    row.ratioToRawLimit === undefined ? '-' : row.ratioToRawLimit.toFixed(2),
    row.invariants ? (row.invariants.ok ? 'ok' : violations(row.invariants)) : '-',
  ];
}

function violations(report: Partial<Record<(typeof VIOLATION_KEYS)[number], number>>): string {
  return VIOLATION_KEYS.filter((name) => report[name])
    .map((name) => `${name}=${report[name]}`)
    .join(' ');
}

/** A plain aligned text table for the terminal. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
}

/** CPU per role and per order for the phases that measured it. */
export function cpuTable(rows: PhaseResult[]): { header: string[]; rows: string[][] } {
  const measured = rows.filter((row) => row.cpuMsPerOrder);
  const roles = [...new Set(measured.flatMap((row) => Object.keys(row.cpuMsPerOrder!)))];
  return {
    header: ['phase', 'clients', ...roles.map((role) => `${role} µs/order`), 'cores busy'],
    rows: measured.map((row) => {
      const totalMs = Object.values(row.cpuMs!).reduce((a, b) => a + b, 0);
      return [
        row.label,
        clients(row),
        ...roles.map((role) => int((row.cpuMsPerOrder![role] ?? 0) * 1000)),
        (totalMs / 1000 / row.seconds).toFixed(2),
      ];
    }),
  };
}

/** The workers' SQS calls per order in each SQS phase, one column per operation. */
export function sqsCallsTable(rows: PhaseResult[]): { header: string[]; rows: string[][] } {
  const measured = rows.filter((row) => row.sqsCallsPerOrder);
  const operations = [...new Set(measured.flatMap((row) => Object.keys(row.sqsCallsPerOrder!)))].sort();
  return {
    header: ['phase', 'workers', ...operations, 'all'],
    rows: measured.map((row) => [
      row.label,
      clients(row),
      ...operations.map((operation) => fmt(row.sqsCallsPerOrder![operation] ?? 0, 2)),
      fmt(Object.values(row.sqsCallsPerOrder!).reduce((a, b) => a + b, 0), 2),
    ]),
  };
}

/**
 * Throughput and p99 against concurrency, hand-written SVG: raw limit and REST orders/s on the
 * left axis, REST p99 on the right axis, SQS drain rates as horizontal references.
 */
export function throughputChart(rows: PhaseResult[], title: string): string {
  const raw = rows.filter((r) => r.kind === 'raw');
  const rest = rows.filter((r) => r.kind === 'rest');
  const sqs = rows.filter((r) => r.kind === 'sqs');
  const levels = [...new Set([...raw, ...rest].map((r) => r.concurrency!))].sort((a, b) => a - b);
  const width = 800;
  const height = 420;
  const m = { left: 70, right: 70, top: 50, bottom: 80 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const maxRate = niceCeil(Math.max(1, ...raw.map((r) => r.ordersPerSecond), ...rest.map((r) => r.ordersPerSecond), ...sqs.map((r) => r.ordersPerSecond)));
  const maxP99 = niceCeil(Math.max(1, ...rest.map((r) => r.latency?.p99Ms ?? 0)));
  const x = (level: number) => m.left + (levels.length === 1 ? plotW / 2 : (levels.indexOf(level) / (levels.length - 1)) * plotW);
  const yRate = (v: number) => m.top + plotH - (v / maxRate) * plotH;
  const yP99 = (v: number) => m.top + plotH - (v / maxP99) * plotH;
  const path = (points: Array<[number, number]>) => points.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
  const series = (data: PhaseResult[], value: (r: PhaseResult) => number, y: (v: number) => number, color: string, dash = '', labelBelow = false) => {
    const points = data.map((r) => [x(r.concurrency!), y(value(r))] as [number, number]);
    return [
      `<path d="${path(points)}" fill="none" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      ...points.map(([px, py], i) => `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="4" fill="${color}"><title>${esc(data[i].label)}: ${value(data[i]).toFixed(1)}</title></circle>`),
      ...points.map(
        ([px, py], i) =>
          `<text x="${px.toFixed(1)}" y="${(labelBelow ? py + 18 : py - 9).toFixed(1)}" text-anchor="middle" font-size="11" fill="${color}">${Math.round(value(data[i]))}</text>`,
      ),
    ].join('\n');
  };
  const grid: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const v = (maxRate * i) / 5;
    const y = yRate(v);
    grid.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    grid.push(`<text x="${m.left - 8}" y="${y + 4}" text-anchor="end" font-size="11">${Math.round(v)}</text>`);
    grid.push(`<text x="${m.left + plotW + 8}" y="${y + 4}" font-size="11" fill="#c0392b">${((maxP99 * i) / 5).toFixed(maxP99 < 10 ? 1 : 0)}</text>`);
  }
  for (const level of levels) {
    grid.push(`<text x="${x(level)}" y="${m.top + plotH + 20}" text-anchor="middle" font-size="12">${level}</text>`);
  }
  // SQS drain rates: dotted lines, labelled at the left, the labels stacked when the lines are close.
  let lastLabelY = Infinity;
  const references = [...sqs]
    .sort((a, b) => a.ordersPerSecond - b.ordersPerSecond)
    .map((r) => {
      const y = yRate(r.ordersPerSecond);
      const labelY = Math.min(y - 5, lastLabelY - 13);
      lastLabelY = labelY;
      const workers = r.workers ? `, ${r.workers} worker${r.workers > 1 ? 's' : ''}` : '';
      return `<line x1="${m.left}" x2="${m.left + plotW}" y1="${y}" y2="${y}" stroke="#27ae60" stroke-dasharray="2,4" stroke-width="1.5"/>
<text x="${m.left + 30}" y="${labelY}" font-size="11" fill="#27ae60">${esc(r.label)}${workers}: ${Math.round(r.ordersPerSecond)}/s</text>`;
    });
  let legendX = m.left;
  const legend = [
    ['#7f8c8d', 'raw limit: same transaction on pg, tx/s', ''],
    ['#2c6fbb', 'REST orders/s', ''],
    ['#c0392b', 'REST p99 ms (right axis)', '6,4'],
    ['#27ae60', 'SQS drain orders/s', '2,4'],
  ].map(([color, text, dash]) => {
    const x = legendX;
    legendX += 36 + text.length * 5.6;
    return `<line x1="${x}" x2="${x + 24}" y1="${height - 14}" y2="${height - 14}" stroke="${color}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/><text x="${x + 30}" y="${height - 10}" font-size="11">${text}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
${grid.join('\n')}
<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}" stroke="#333"/>
<line x1="${m.left + plotW}" x2="${m.left + plotW}" y1="${m.top}" y2="${m.top + plotH}" stroke="#c0392b"/>
<line x1="${m.left}" x2="${m.left + plotW}" y1="${m.top + plotH}" y2="${m.top + plotH}" stroke="#333"/>
<text x="${m.left + plotW / 2}" y="${m.top + plotH + 38}" text-anchor="middle" font-size="12">concurrent clients</text>
<text transform="translate(18,${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">orders (transactions) per second</text>
<text transform="translate(${width - 16},${m.top + plotH / 2}) rotate(90)" text-anchor="middle" font-size="12" fill="#c0392b">p99 latency, ms</text>
${references.join('\n')}
${series(raw, (r) => r.ordersPerSecond, yRate, '#7f8c8d')}
${series(rest, (r) => r.ordersPerSecond, yRate, '#2c6fbb', '', true)}
${series(rest, (r) => r.latency?.p99Ms ?? 0, yP99, '#c0392b', '6,4')}
${legend.join('\n')}
</svg>
`;
}

function niceCeil(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value * 1.08) return step * magnitude;
  return 10 * magnitude;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
