import { requiredSetting } from '@orderflow/config/app-config';
import { constants as osConstants } from 'node:os';
import { parseArgs } from 'node:util';
import { loadProgramConfig } from '@orderflow/secrets/app-secrets';
import { EXPORT_FORMATS, ExportFormat } from '@orderflow/reporting/export-encoders';
import { exportProgress } from '@orderflow/reporting/export-progress';
import { exportOrders } from '@orderflow/reporting/order-export';
import { DateRange, MAX_RANGE_DAYS, dateRange, formatDate } from '@orderflow/reporting/report-params';
import { runCli } from './run-cli';

const USAGE = `usage: npm run report:export -- --from DATE --to DATE [--format csv|jsonl] [--out FILE|-|s3://bucket/key]

Streams the orders created from DATE to DATE (UTC days, both included; YYYY-MM-DD, "today" or
"yesterday") with their items from the read replica (DATABASE_REPLICA_URL).
  --format  csv (default: one row per item, RFC 4180) or jsonl (one order per line)
  --out     a file, - for standard output, or s3://bucket/key (S3_ENDPOINT, AWS_REGION); default
            s3://$REPORTS_BUCKET/orders/orders_FROM_TO.FORMAT
Nothing appears under the output name unless the export completes.`;

const EX_USAGE = 64;

/** `npm run report:export`: the orders of a date range to a file or S3, from the replica only. */
void runCli(async () => {
  const args = parseCommandLine(process.argv.slice(2));
  if (args === '') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n\n${USAGE}\n`);
    process.exitCode = EX_USAGE;
    return;
  }
  const config = await loadProgramConfig(['DATABASE_REPLICA_URL']);
  const out = args.out ?? (config.aws.reportsBucket ? `s3://${config.aws.reportsBucket}/orders/orders_${args.range.from}_${args.range.to}.${args.format}` : null);
  if (!out) {
    process.stderr.write(`--out is required when REPORTS_BUCKET is not set\n\n${USAGE}\n`);
    process.exitCode = EX_USAGE;
    return;
  }

  const interruption = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => interruption.abort(signal));
  }
  try {
    const summary = await exportOrders({
      replicaUrl: requiredSetting(config.databaseReplicaUrl, 'DATABASE_REPLICA_URL'),
      connection: config.database,
      range: args.range,
      format: args.format,
      out,
      s3: { region: config.aws.region, endpoint: config.aws.s3Endpoint },
      progress: exportProgress(process.stderr),
      signal: interruption.signal,
    });
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    // On standard output the export itself is the output: the summary goes with the progress.
    (out === '-' ? process.stderr : process.stdout).write(
      `exported ${summary.rows} rows (${summary.orders} orders) to ${summary.destination} in ${summary.seconds.toFixed(2)} s: ` +
        `${Math.round(summary.rows / Math.max(summary.seconds, 0.001))} rows/s, peak RSS ${peakRssMb.toFixed(1)} MB\n`,
    );
  } catch (error) {
    if (!interruption.signal.aborted) throw error;
    const signal = interruption.signal.reason as NodeJS.Signals;
    const published = out === '-' ? '' : `: nothing was published under ${out}`;
    process.stderr.write(`export interrupted by ${signal}${published}\n`);
    process.exitCode = 128 + (osConstants.signals[signal] ?? 0);
  }
});

interface Arguments {
  range: DateRange;
  format: ExportFormat;
  out?: string;
}

/** The arguments, or a message (empty for --help). */
function parseCommandLine(argv: string[]): Arguments | string {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string', default: 'csv' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return (error as Error).message;
  }
  if (values.help) return '';
  const errors: Array<{ field: string; message: string }> = [];
  const range = dateRange(relativeDay(values.from), relativeDay(values.to), MAX_RANGE_DAYS, errors);
  if (!(EXPORT_FORMATS as readonly string[]).includes(values.format!)) errors.push({ field: 'format', message: `must be ${EXPORT_FORMATS.join(' or ')}` });
  if (values.out === '') errors.push({ field: 'out', message: 'must not be empty' });
  if (errors.length) return errors.map((e) => `--${e.field} ${e.message}`).join('\n');
  return { range: range!, format: values.format as ExportFormat, out: values.out };
}

/** "today" and "yesterday" (UTC) make a daily schedule a fixed command line. */
function relativeDay(value: string | undefined): string | undefined {
  const today = new Date();
  if (value === 'today') return formatDate(today);
  if (value === 'yesterday') return formatDate(new Date(today.getTime() - 86_400_000));
  return value;
}
