import { writeFileSync } from 'node:fs';
import { costMarkdown, measureOrderCosts } from '@orderflow/bench/order-cost';

/**
 * `npm run cost [-- --orders 2000] [--clients 4] [--env NAME=VALUE ...] [--out file.md]`: what one order costs in
 * countable units (statements, WAL bytes, Redis commands, SQS calls, log lines) on the REST and
 * the SQS path, on its own local stack. Unlike throughput these counts do not depend on what else
 * the machine is doing.
 */
async function main() {
  const argv = process.argv.slice(2);
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // --env NAME=VALUE (repeatable): settings for the apps, e.g. WORKER_ADAPTIVE_CONCURRENCY=false.
  const appEnv = Object.fromEntries(
    argv.flatMap((arg, i) => (arg === '--env' && argv[i + 1]?.includes('=') ? [argv[i + 1].split(/=(.*)/s).slice(0, 2)] : [])),
  );
  const reports = await measureOrderCosts({ orders: Number(flag('--orders') ?? 2000), clients: Number(flag('--clients') ?? 4), appEnv, log });
  const markdown = costMarkdown(reports);
  process.stdout.write(markdown);
  const out = flag('--out');
  if (out) writeFileSync(out, markdown);
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`cost failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
