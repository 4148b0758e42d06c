import { CHAOS_USAGE, chaosOptions, runChaos } from '@orderflow/bench/chaos-run';
import { textTable } from '@orderflow/bench/bench-report';

/**
 * `npm run chaos [-- --quick] [--orders 10000] [--customers 200] [--seconds 60] [--out results]`:
 * orders over REST and SQS against 2 API instances and 2 workers while processes are killed,
 * paused, Redis and PostgreSQL restarted and maintenance mode switched; then the invariants.
 * Exits 1 when any invariant is violated or a fault could not be injected (an app that crashes on
 * its own is restarted and reported).
 */
async function main() {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const options = chaosOptions(process.argv.slice(2), log);
  if (!options) return log(CHAOS_USAGE);
  log(`Orderflow chaos run${options.quick ? ' (quick)' : ''}: results under ${options.outDir}`);
  const result = await runChaos(options);
  const { invariants: inv, eventsQueue: events, requests } = result;
  const rows: Array<[string, number | string, boolean?]> = [
    ['accepted orders', inv.accepted],
    ['  over REST (2xx/202; 202 = queued by the API)', `${requests.rest - Object.values(requests.restFailed).reduce((a, b) => a + b, 0)} (${requests.restAcceptedAsync} x 202)`],
    ['  sent to the FIFO queue', requests.sqsSent],
    ['processed orders', inv.processed],
    ['lost (accepted, never processed)', inv.lost, true],
    ['duplicated', inv.duplicated, true],
    ['orderNumber gaps (customers)', inv.orderNumberGaps, true],
    ['per-customer FIFO violations (queue-sent orders)', inv.fifoViolations, true],
    ['credit-limit violations', inv.creditViolations, true],
    ['stock violations', inv.stockViolations, true],
    ['events missing (outbox or not relayed)', inv.eventsMissing, true],
    ['events out of order (outbox)', inv.eventsOutOfOrder, true],
    ['events missing on the events queue', events?.missing ?? '-', true],
    ['events out of order on the events queue', events?.outOfOrder ?? '-', true],
    ['events received twice (deduplicated by eventId)', events?.duplicates ?? '-'],
    ['processed without an acknowledgement (client gave up)', inv.unacknowledged],
    ['REST retries (5xx, timeouts, refused)', `${requests.restRetries} ${JSON.stringify(requests.restRetryKinds)}`],
    ['REST requests that failed for good', JSON.stringify(requests.restFailed)],
    ['SQS sends given up', requests.sqsUnsent],
    ['commits refused by fencing (apps still running)', result.fencedCommits ?? '-'],
    ['messages in the orders dead-letter queue', result.deadLetters ?? '-'],
    ['apps that crashed on their own (restarted)', result.crashedApps.join(', ') || 0],
  ];
  log('');
  log(textTable(['check', 'value', ''], rows.map(([name, value, counts]) => [name, String(value), counts ? (value === 0 ? 'ok' : 'FAIL') : ''])));
  log(`\noutcomes: ${JSON.stringify(result.outcomes)}`);
  log(`processed by version: ${JSON.stringify(result.versions)}`);
  log(`faults: ${result.faults.map((f) => `${f.ok ? 'ok' : 'FAILED'} ${f.name}`).join('; ')}`);
  if (result.waitStopped) log(`waiting stopped: ${result.waitStopped}`);
  if (result.crashedApps.length) log(`WARNING: apps crashed on their own and were restarted: ${result.crashedApps.join(', ')} (see their logs)`);
  for (const example of [...inv.examples, ...(events?.examples ?? [])]) log(`  ${example}`);
  log(`\n${result.ok ? 'PASS: nothing lost, duplicated or out of order' : 'FAIL'} (${result.file})`);
  process.exit(result.ok ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});
