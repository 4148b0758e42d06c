import { BENCH_USAGE, benchOptions, runBench } from '@orderflow/bench/bench-run';
import { cpuTable, sqsCallsTable, TABLE_HEADER, tableRow, textTable } from '@orderflow/bench/bench-report';

/**
 * `npm run bench [-- --quick] [--profile] [--clients 1,4,16,64] [--seconds 10] [--sqs-orders 20000] [--skip-sqs] [--out results]`:
 * measures the raw limit, the REST path, the SQS path and both at once on this machine, checks the
 * invariants after each phase, and writes a table, JSON and an SVG chart under results/<run>/.
 * Exits 1 when an invariant is violated (never because of speed).
 */
async function main() {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const options = benchOptions(process.argv.slice(2), log);
  if (!options) return log(BENCH_USAGE);
  log(`Orderflow benchmark${options.quick ? ' (quick)' : ''}: results under ${options.outDir}`);
  const result = await runBench(options);
  log(`\n${textTable(TABLE_HEADER, result.phases.map(tableRow))}`);
  const cpu = cpuTable(result.phases);
  log(`\nCPU µs per order by process:\n${textTable(cpu.header, cpu.rows)}`);
  const sqsCalls = sqsCallsTable(result.phases);
  if (sqsCalls.rows.length > 0) log(`\nSQS calls per order (workers):\n${textTable(sqsCalls.header, sqsCalls.rows)}`);
  log(`\nRaw limit: ${result.rawLimit.ordersPerSecond} tx/s at ${result.rawLimit.concurrency} connections.`);
  for (const target of result.targets) log(`${target.met ? 'met    ' : 'NOT met'}  ${target.target}: ${target.measured}`);
  for (const profile of result.profiles ?? []) {
    log(`\nCPU profile ${profile.file}: self time by area`);
    for (const area of profile.summary.byArea.slice(0, 12)) log(`  ${area.share.toFixed(1).padStart(5)}%  ${area.area}`);
  }
  log(`\ninvariants: ${result.invariantsOk ? 'all held' : 'VIOLATED'}`);
  log(`written: ${result.files.json}\n         ${result.files.svg}\n         ${result.files.markdown}`);
  process.exit(result.invariantsOk ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});
