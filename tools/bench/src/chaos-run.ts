import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { AppProcess } from '@orderflow/harness/app-process';
import { drainEventsQueue, EventsQueueReport } from '@orderflow/harness/events-queue';
import { HttpTarget, statusOf } from './http-target';
import { AcceptedOrder, checkInvariants, InvariantReport } from '@orderflow/harness/invariants';
import { errorKind, runPaced } from './load-loop';
import { sendOrders } from '@orderflow/harness/order-sender';
import { waitForOutboxRelay } from './order-completion';
import { PhaseProgress } from './progress';
import { RUN_OPTIONS } from './run-options';
import { seedCustomers, seedStock } from './seeding';
import { startSystem, SystemUnderTest } from './system-under-test';
import { customerId, OrderGenerator, seededRandom, skuId, WorkloadShape } from './workload';

export interface ChaosOptions {
  quick: boolean;
  outDir: string;
  orders: number;
  customers: number;
  skus: number;
  /** How long the orders are spread over; the faults are scheduled within it. */
  seconds: number;
  /** Share of the orders placed over REST; the rest go straight to the FIFO queue. */
  restShare: number;
  log: (line: string) => void;
}

/** `npm run chaos -- --help`. */
export const CHAOS_USAGE = 'usage: npm run chaos [-- --quick] [--orders 10000] [--customers 200] [--seconds 60] [--out results]';

/** The command line's options (node:util parseArgs: an unknown option is an error); undefined for --help. */
export function chaosOptions(argv: string[], log: (line: string) => void): ChaosOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...RUN_OPTIONS,
      orders: { type: 'string' },
      customers: { type: 'string' },
      seconds: { type: 'string' },
    },
  });
  if (values.help) return undefined;
  const { quick } = values;
  return {
    quick,
    outDir: path.resolve(values.out),
    orders: Number(values.orders ?? (quick ? 1500 : 10_000)),
    customers: Number(values.customers ?? (quick ? 40 : 200)),
    skus: quick ? 20 : 50,
    seconds: Number(values.seconds ?? (quick ? 24 : 60)),
    restShare: 0.5,
    log,
  };
}

export interface FaultRecord {
  name: string;
  atSeconds: number;
  tookMs: number;
  ok: boolean;
  detail?: string;
}

export interface ChaosResult {
  runTag: string;
  options: Omit<ChaosOptions, 'log'>;
  faults: FaultRecord[];
  requests: { rest: number; restAcceptedAsync: number; restRetries: number; restRetryKinds: Record<string, number>; restFailed: Record<string, number>; sqsSent: number; sqsUnsent: number };
  outcomes: Record<string, number>;
  /** Orders per processing version (the worker rollout moves customers to the candidate and back). */
  versions: Record<string, number>;
  fencedCommits: number | null;
  /** Messages in the orders dead-letter queue at the end (where lost queue orders usually are). */
  deadLetters: number | null;
  /** Apps that died without being killed by the schedule (a crash is a finding too); each was restarted. */
  crashedApps: string[];
  invariants: InvariantReport;
  eventsQueue?: EventsQueueReport;
  /** Accepted orders still unprocessed when waiting stopped. */
  waitStopped?: string;
  ok: boolean;
  file: string;
}

/** The version of the third worker, the candidate of the worker rollout fault. */
const CHAOS_WORKER_CANDIDATE = '0.0.0-chaos-candidate';

/** Lock TTL of the apps under chaos: short, so that a pause outlives it quickly (minimum the config allows). */
const CHAOS_LOCK_TTL_MS = 2000;

/**
 * `npm run chaos`: orders over REST and SQS from many customers against 2 API instances and 2
 * workers while faults are injected on a schedule; then every invariant is checked. Always runs
 * on its own local stack, since it restarts PostgreSQL and Redis.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { log } = options;
  const runTag = `c${Date.now().toString(36)}`;
  const runDir = path.join(options.outDir, runTag);
  mkdirSync(runDir, { recursive: true });
  const system = await startSystem({
    stackDir: mkdtempSync(path.join(os.tmpdir(), 'orderflow-chaos-')),
    logDir: path.join(runDir, 'logs'),
    ownStack: true,
    // Workers on version queues, so that the worker rollout fault moves customers between versions.
    appEnv: { LOG_LEVEL: 'info', LOCK_TTL_MS: String(CHAOS_LOCK_TTL_MS), WORKER_VERSION_QUEUES: 'true' },
    log,
  });
  const progress = new PhaseProgress();
  try {
    log(`logs in ${system.logDir}`);
    const [api1, api2] = [await system.startApp('api', 'api-1'), await system.startApp('api', 'api-2')];
    const [worker1, worker2] = [await system.startApp('worker', 'worker-1'), await system.startApp('worker', 'worker-2')];
    // The worker rollout's candidate: idle (no customer assigned to it) until the rollout starts.
    const worker3 = await system.startApp('worker', 'worker-3', { env: { ORDERFLOW_VERSION: CHAOS_WORKER_CANDIDATE } });
    const crashes: string[] = [];
    const started = Date.now();
    for (const app of [api1, api2, worker1, worker2, worker3]) {
      app.supervise((name) => {
        crashes.push(`${name} at t=${((Date.now() - started) / 1000).toFixed(1)}s`);
        log(`  ${name} died on its own (see ${app.logFile}); restarting it`);
      });
    }
    // Storefront calls give up after 5 s (then retry elsewhere); the operator's calls wait the default 10 s.
    const targets = [new HttpTarget(api1.url, system.apiKey, 64, 5_000), new HttpTarget(api2.url, system.apiKey, 64, 5_000)];
    const operator = new HttpTarget(api2.url, system.apiKey, 8);

    // Accounts and stock: every fourth customer has a credit limit, half of the SKUs are scarce,
    // so that credit and stock rejections happen while faults are injected.
    const shape: WorkloadShape = { runTag, customers: options.customers, hotCustomers: 0, hotShare: 0, skus: options.skus, seed: 7 };
    const limits = new Map<string, number | null>();
    for (let i = 0; i < options.customers; i++) limits.set(customerId(runTag, 'x', i), i % 4 === 0 ? 60_000 : null);
    const initialStock = new Map<string, number>();
    const perSkuDemand = Math.ceil((options.orders * 4) / options.skus);
    for (let i = 0; i < options.skus; i++) initialStock.set(skuId(runTag, i), i % 2 === 0 ? Math.round(perSkuDemand * 0.6) : 1_000_000);
    await seedCustomers(operator, limits);
    await seedStock(operator, initialStock);

    // The orders, each assigned to a path up front.
    const random = seededRandom(11);
    const generator = new OrderGenerator(shape, 'x', 'chaos');
    const rest: PlaceOrderCommand[] = [];
    const queued: PlaceOrderCommand[] = [];
    for (let i = 0; i < options.orders; i++) {
      const command = generator.forCustomer(customerId(runTag, 'x', Math.floor(random() * options.customers)));
      (random() < options.restShare ? rest : queued).push(command);
    }

    const accepted: AcceptedOrder[] = [];
    const requests = { rest: 0, restAcceptedAsync: 0, restRetries: 0, restRetryKinds: {} as Record<string, number>, restFailed: {} as Record<string, number>, sqsSent: 0, sqsUnsent: 0 };
    const storefront = async (command: PlaceOrderCommand, client: number): Promise<string | void> => {
      requests.rest++;
      for (let attempt = 0, started = Date.now(); ; attempt++) {
        const target = targets[(client + attempt) % targets.length];
        let failure: string;
        try {
          const status = await statusOf(target.client.placeOrder(command));
          if (status === 200 || status === 201 || status === 202) {
            if (status === 202) requests.restAcceptedAsync++;
            accepted.push({ customerId: command.customerId, clientOrderId: command.clientOrderId, channel: 'rest' });
            return;
          }
          failure = `http-${status}`;
          if (status < 500 && status !== 429) {
            requests.restFailed[failure] = (requests.restFailed[failure] ?? 0) + 1;
            return failure;
          }
        } catch (error) {
          failure = errorKind(error);
        }
        // 5xx, 429, timeouts, refused connections: retry with the same clientOrderId, as a storefront would.
        requests.restRetries++;
        requests.restRetryKinds[failure] = (requests.restRetryKinds[failure] ?? 0) + 1;
        if (Date.now() - started > 180_000) {
          requests.restFailed['gave-up'] = (requests.restFailed['gave-up'] ?? 0) + 1;
          return 'gave-up';
        }
        await sleep(Math.min(1000, 50 * 2 ** attempt) * (0.5 + random()));
      }
    };

    const faults = schedule(options, system, { api1, api2, worker1, worker2 }, operator);
    log(`placing ${options.orders} orders for ${options.customers} customers over ${options.seconds} s (${rest.length} REST, ${queued.length} SQS) while injecting ${faults.length} faults`);
    progress.start('chaos', options.orders, 'orders');
    let done = 0;
    const tick = () => progress.update(++done);
    const placing = Date.now();
    const faultRecords: FaultRecord[] = [];
    const [, sent] = await Promise.all([
      runPaced({ total: rest.length, ratePerSecond: rest.length / options.seconds, concurrency: 48, op: (i, client) => storefront(rest[i], client).finally(tick) }),
      sendOrders(system.sqs!, system.env.ORDERS_QUEUE_URL, queued, {
        lanes: 4,
        ratePerSecond: queued.length / options.seconds,
        giveUpAfterMs: 180_000,
        onSent: () => tick(),
      }),
      runFaults(faults, placing, faultRecords, log),
    ]);
    progress.stop();
    requests.sqsSent = sent.sent.length;
    requests.sqsUnsent = sent.unsent.length;
    for (const order of sent.sent) {
      accepted.push({ customerId: order.command.customerId, clientOrderId: order.command.clientOrderId, channel: 'sqs', sendSeq: order.sendSeq });
    }

    log(`all orders placed after ${Math.round((Date.now() - placing) / 1000)} s; waiting for the workers to process every accepted order...`);
    const waitStopped = await waitForAccepted(system, runTag, accepted, progress);
    const unrelayed = await waitForOutboxRelay(system.pool, `${runTag}-`, { stallMs: 60_000 });
    if (unrelayed) log(`warning: ${unrelayed} outcome events still unrelayed`);
    const eventsQueue = await drainEventsQueue(system.sqs!, system.env.ORDER_EVENTS_QUEUE_URL, system.pool, `${runTag}-`);
    const invariants = await checkInvariants(system.pool, { customerPrefix: `${runTag}-`, accepted, initialStock, requirePublished: true });
    const outcomes = await outcomeCounts(system, runTag);
    const versions = await versionCounts(system, runTag);
    const fencedCommits = await fencedCommitCount([worker1, worker2, worker3, api1, api2]);
    const crashedApps = crashes;
    const deadLetters = await system
      .sqs!.send(new GetQueueAttributesCommand({ QueueUrl: system.env.ORDERS_DLQ_URL, AttributeNames: ['ApproximateNumberOfMessages'] }))
      .then((answer) => Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0))
      .catch(() => null);

    // A crash is reported, not failed on: the app was restarted as an orchestrator would, and
    // what the run must prove is that no order or event suffered from it.
    const ok = invariants.ok && eventsQueue.missing === 0 && eventsQueue.outOfOrder === 0 && faultRecords.every((fault) => fault.ok);
    const result: ChaosResult = {
      runTag,
      options: { ...options, log: undefined } as Omit<ChaosOptions, 'log'>,
      faults: faultRecords,
      requests,
      outcomes,
      versions,
      fencedCommits,
      deadLetters,
      crashedApps,
      invariants,
      eventsQueue,
      waitStopped,
      ok,
      file: path.join(runDir, 'chaos.json'),
    };
    writeFileSync(result.file, `${JSON.stringify(result, null, 2)}\n`);
    [...targets, operator].forEach((target) => target.close());
    return result;
  } finally {
    progress.stop();
    await system.stop();
  }
}

interface Fault {
  atSeconds: number;
  name: string;
  /** Injects the fault; may hand back its recovery still under way (a restart). */
  run(): Promise<void | { recovery: Promise<void> }>;
}

function schedule(
  options: ChaosOptions,
  system: SystemUnderTest,
  apps: { api1: AppProcess; api2: AppProcess; worker1: AppProcess; worker2: AppProcess },
  admin: HttpTarget,
): Fault[] {
  const stack = system.stack!;
  const at = (share: number) => Math.round(options.seconds * share * 10) / 10;
  const maintenance = async (enabled: boolean) => {
    // Throws the problem (status and type) when the switch is refused.
    await admin.client.setMaintenance(enabled);
  };
  // A killed process is restarted in the background (an orchestrator would), so that a slow
  // start does not push the later faults out of the traffic window.
  const killAndRestart = async (app: AppProcess) => {
    await app.kill();
    return { recovery: sleep(500).then(() => app.launch()) };
  };
  const faults: Fault[] = [
    { atSeconds: at(0.08), name: 'SIGKILL worker-1, restarted', run: () => killAndRestart(apps.worker1) },
    { atSeconds: at(0.2), name: 'SIGKILL api-1, restarted', run: () => killAndRestart(apps.api1) },
    { atSeconds: at(0.33), name: 'Redis restart', run: () => stack.redis.restart() },
    { atSeconds: at(0.46), name: 'PostgreSQL primary restart', run: () => stack.postgres.restartPrimary() },
    // A worker rollout while orders flow: customers move to the candidate at 10% and 50%, then all
    // back to stable; each customer's orders stay in order across both switches (docs/releases.md).
    {
      atSeconds: at(0.12),
      name: `worker rollout start: ${CHAOS_WORKER_CANDIDATE} at 10%`,
      run: async () => void (await admin.client.startRelease({ service: 'worker', version: CHAOS_WORKER_CANDIDATE, steps: [10, 50, 100], stepSeconds: 3600 })),
    },
    { atSeconds: at(0.22), name: 'worker rollout step to 50%', run: async () => void (await admin.client.promoteRelease({ service: 'worker' })) },
    { atSeconds: at(0.3), name: 'worker rollout abort', run: async () => void (await admin.client.abortRelease({ service: 'worker', reason: 'chaos' })) },
    {
      atSeconds: at(0.62),
      name: `SIGSTOP worker-2 for ${(CHAOS_LOCK_TTL_MS + 2000) / 1000} s (lock TTL ${CHAOS_LOCK_TTL_MS / 1000} s), then SIGCONT`,
      run: async () => {
        apps.worker2.signal('SIGSTOP');
        await sleep(CHAOS_LOCK_TTL_MS + 2000);
        apps.worker2.signal('SIGCONT');
      },
    },
    {
      atSeconds: at(0.76),
      name: `maintenance mode for ${Math.round(options.seconds * 0.1)} s`,
      run: async () => {
        await maintenance(true);
        try {
          await sleep(options.seconds * 100);
        } finally {
          await maintenance(false);
        }
      },
    },
  ];
  return faults.sort((a, b) => a.atSeconds - b.atSeconds);
}

async function runFaults(faults: Fault[], started: number, records: FaultRecord[], log: (line: string) => void): Promise<void> {
  const recoveries: Array<Promise<void>> = [];
  for (const fault of faults) {
    const wait = started + fault.atSeconds * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    const begin = Date.now();
    const record: FaultRecord = { name: fault.name, atSeconds: Math.round((begin - started) / 100) / 10, tookMs: 0, ok: true };
    const failed = (error: unknown) => {
      record.ok = false;
      record.detail = error instanceof Error ? error.message : String(error);
    };
    try {
      const recovery = ((await fault.run()) as { recovery: Promise<void> } | undefined)?.recovery;
      if (recovery) {
        recoveries.push(
          recovery.then(
            () => log(`  t=${((Date.now() - started) / 1000).toFixed(1)}s  recovered from: ${fault.name} (${Date.now() - begin} ms)`),
            failed,
          ),
        );
      }
    } catch (error) {
      failed(error);
    }
    record.tookMs = Date.now() - begin;
    records.push(record);
    log(`  t=${record.atSeconds.toFixed(1)}s  ${record.ok ? 'injected' : 'FAILED  '}  ${fault.name} (${record.tookMs} ms)${record.detail ? `: ${record.detail}` : ''}`);
  }
  await Promise.all(recoveries);
}

/** Waits until every accepted order is in the database; a message held by a killed worker returns after its visibility timeout. */
async function waitForAccepted(system: SystemUnderTest, runTag: string, accepted: AcceptedOrder[], progress: PhaseProgress): Promise<string | undefined> {
  const wanted = new Set(accepted.map((order) => `${order.customerId}/${order.clientOrderId}`));
  progress.start('draining', wanted.size, 'orders');
  let missing = wanted.size;
  let lastChange = Date.now();
  try {
    for (;;) {
      const { rows } = await system.pool
        .query<{ k: string }>(`SELECT customer_id || '/' || client_order_id AS k FROM orders WHERE customer_id LIKE $1`, [`${runTag}-%`])
        .catch(() => ({ rows: [] as Array<{ k: string }> }));
      const present = rows.filter((row) => wanted.has(row.k)).length;
      progress.update(present);
      if (wanted.size - present !== missing) {
        missing = wanted.size - present;
        lastChange = Date.now();
      }
      if (missing === 0) return undefined;
      if (Date.now() - lastChange > 90_000) return `${missing} accepted orders still unprocessed after 90 s without progress`;
      await sleep(500);
    }
  } finally {
    progress.stop();
  }
}

async function outcomeCounts(system: SystemUnderTest, runTag: string): Promise<Record<string, number>> {
  const { rows } = await system.pool.query<{ outcome: string; source: string; n: number }>(
    `SELECT coalesce(rejection_reason, status) AS outcome, source, count(*)::int AS n FROM orders WHERE customer_id LIKE $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [`${runTag}-%`],
  );
  return Object.fromEntries(rows.map((row) => [`${row.outcome} via ${row.source}`, row.n]));
}

async function versionCounts(system: SystemUnderTest, runTag: string): Promise<Record<string, number>> {
  const { rows } = await system.pool.query<{ version: string; source: string; n: number }>(
    `SELECT coalesce(processed_by_version, '-') AS version, source, count(*)::int AS n FROM orders WHERE customer_id LIKE $1 GROUP BY 1, 2 ORDER BY 1, 2`,
    [`${runTag}-%`],
  );
  return Object.fromEntries(rows.map((row) => [`${row.version} via ${row.source}`, row.n]));
}

/** orderflow_fenced_commits_total summed over the apps still running (a killed app's count is gone). */
async function fencedCommitCount(apps: AppProcess[]): Promise<number | null> {
  let total = 0;
  for (const app of apps) {
    try {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('orderflow_fenced_commits_total'));
      total += line ? Number(line.split(' ')[1]) : 0;
    } catch {
      return null;
    }
  }
  return total;
}
