import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { costMarkdown, measureOrderCosts } from '@orderflow/bench/order-cost';
import { APP_ENV_OPTION, appEnvFrom } from '@orderflow/bench/run-options';

const USAGE = 'usage: npm run cost [-- --orders 2000] [--clients 4] [--env NAME=VALUE ...] [--out file.md] [--json]';

/**
 * `npm run cost [-- --orders 2000] [--clients 4] [--env NAME=VALUE ...] [--out file.md]`: what one order costs in
 * countable units (statements, WAL bytes, Redis commands, SQS calls, log lines) on the REST and
 * the SQS path, on its own local stack. Unlike throughput these counts do not depend on what else
 * the machine is doing.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '2000' },
      clients: { type: 'string', default: '4' },
      ...APP_ENV_OPTION,
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const appEnv = appEnvFrom(values.env);
  const reports = await measureOrderCosts({ orders: Number(values.orders), clients: Number(values.clients), appEnv, log });
  const markdown = costMarkdown(reports);
  process.stdout.write(markdown);
  if (values.out) writeFileSync(values.out, markdown);
  if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`cost failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
