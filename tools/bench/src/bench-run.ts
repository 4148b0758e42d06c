import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { AppProcess } from '@orderflow/harness/app-process';
import { cpuDelta, CpuSnapshot, snapshotCpu } from './cpu-usage';
import { summarizeCpuProfile, ProfileSummary } from './cpu-profile-summary';
import { HttpTarget } from './http-target';
import { KeepAliveClient } from './keep-alive-client';
import { AcceptedOrder, checkInvariants, InvariantReport, VIOLATION_KEYS } from '@orderflow/harness/invariants';
import { summarize } from './latency';
import { LoopResult, runClosedLoop } from './load-loop';
import { SendReport, sendOrders } from '@orderflow/harness/order-sender';
import { waitForOrders, waitForOutboxRelay } from './order-completion';
import { PhaseProgress } from './progress';
import { APP_ENV_OPTION, appEnvFrom, RUN_OPTIONS } from './run-options';
import { connectRawLane, placeOrderRaw } from './raw-order-transaction';
import { callsPerOrder, sqsCallCounts } from './sqs-call-counts';
import { cpuTable, sqsCallsTable, markdownTable, PhaseResult, TABLE_HEADER, tableRow, TargetCheck, textTable, throughputChart } from './bench-report';
import { seedStock } from './seeding';
import { SystemUnderTest, startSystem } from './system-under-test';
import { BENCH_SHAPE, OrderGenerator, skuId, WorkloadShape } from './workload';

export interface BenchOptions {
  quick: boolean;
  /** results/ */
  outDir: string;
  concurrencies: number[];
  phaseSeconds: number;
  warmupSeconds: number;
  sqsOrders: number;
  /**
   * Orders drained, unmeasured, before each measured drain (default: as many as it drains). A
   * worker started for the phase spends up to 40% of its first seconds' CPU in V8's optimising
   * compiler, still 10% after 2,000 orders: a start-up cost that a worker in service has long
   * paid, not a cost per order (docs/benchmarks.md, tenth session). The REST phases follow a
   * warm-up and each other for the same reason.
   */
  sqsWarmupOrders: number;
  sqsWorkers: number[];
  /** The mixed run: REST clients while a backlog of `sqsOrders` drains. */
  mixedClients: number;
  /** Profile the API (and workers) during the REST phase at this concurrency. */
  profileAt?: number;
  skipSqs: boolean;
  logLevel: string;
  /** --env NAME=VALUE: settings for every app the bench starts (e.g. DATABASE_PREPARED_STATEMENTS=false). */
  appEnv: Record<string, string>;
  log: (line: string) => void;
}

/** `npm run bench -- --help`. */
export const BENCH_USAGE = `usage: npm run bench [-- --quick] [--profile [--profile-clients 16]] [--clients 1,4,16,64] [--seconds 10]
                       [--sqs-orders 20000] [--sqs-warmup-orders 20000] [--skip-sqs] [--log-level info] [--env NAME=VALUE ...] [--out results]`;

/** The command line's options (node:util parseArgs: an unknown option is an error); undefined for --help. */
export function benchOptions(argv: string[], log: (line: string) => void): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...RUN_OPTIONS,
      ...APP_ENV_OPTION,
      clients: { type: 'string', default: '1,4,16,64' },
      seconds: { type: 'string' },
      'sqs-orders': { type: 'string' },
      'sqs-warmup-orders': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'profile-clients': { type: 'string', default: '16' },
      'skip-sqs': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  if (values.help) return undefined;
  const { quick } = values;
  return {
    quick,
    outDir: path.resolve(values.out),
    concurrencies: values.clients.split(',').map(Number),
    phaseSeconds: Number(values.seconds ?? (quick ? 1.5 : 10)),
    warmupSeconds: quick ? 1 : 3,
    sqsOrders: Number(values['sqs-orders'] ?? (quick ? 600 : 20_000)),
    sqsWarmupOrders: Number(values['sqs-warmup-orders'] ?? values['sqs-orders'] ?? (quick ? 600 : 20_000)),
    sqsWorkers: [1, 2],
    mixedClients: 16,
    profileAt: values.profile ? Number(values['profile-clients']) : undefined,
    skipSqs: values['skip-sqs'],
    logLevel: values['log-level'],
    // Everything shares this host's cores, so the workers yield the CPU to the API, and below one
    // transaction when the database is slow, as docs/operations.md ("CPU priority", "Live traffic
    // first") advises for such a host; `--env WORKER_CPU_NICE=0 --env WORKER_MIN_CONCURRENCY=1` undoes it.
    appEnv: { WORKER_CPU_NICE: '19', WORKER_MIN_CONCURRENCY: '0.5', ...appEnvFrom(values.env) },
    log,
  };
}

export interface BenchResult {
  runTag: string;
  startedAt: string;
  machine: Record<string, unknown>;
  options: Omit<BenchOptions, 'log'>;
  phases: PhaseResult[];
  rawLimit: { ordersPerSecond: number; concurrency: number };
  targets: TargetCheck[];
  invariantsOk: boolean;
  finalInvariants?: InvariantReport;
  profiles?: Array<{ file: string; summary: ProfileSummary }>;
  files: { json: string; svg: string; markdown: string };
}

/** `npm run bench`: raw limit, REST at each concurrency, SQS drains, a mixed run; invariants after each. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { log } = options;
  const runTag = `b${Date.now().toString(36)}`;
  const runDir = path.join(options.outDir, runTag);
  mkdirSync(runDir, { recursive: true });
  const progress = new PhaseProgress();
  const stackRoot = mkdtempSync(path.join(os.tmpdir(), 'orderflow-bench-'));
  const system = await startSystem({ stackDir: stackRoot, logDir: path.join(runDir, 'logs'), appEnv: { LOG_LEVEL: options.logLevel, ...options.appEnv }, log });
  const phases: PhaseResult[] = [];
  const accepted: AcceptedOrder[] = [];
  const shape: WorkloadShape = { ...BENCH_SHAPE, runTag, seed: 42 };
  const initialStock = new Map<string, number>();
  const profileDir = path.join(runDir, 'profiles');
  const startedAt = new Date().toISOString();
  let finalInvariants: InvariantReport | undefined;

  const check = async (phase: PhaseResult, requirePublished = false) => {
    const report = await checkInvariants(system.pool, { customerPrefix: `${runTag}-`, accepted, initialStock, requirePublished });
    phase.invariants = { ok: report.ok, accepted: report.accepted, processed: report.processed, ...pick(report) };
    if (!report.ok) log(`invariants violated after ${phase.label}:\n  ${report.examples.join('\n  ')}`);
    finalInvariants = report;
    return report;
  };
  const finish = (phase: PhaseResult) => {
    phases.push(phase);
    progress.stop();
    log(textTable(TABLE_HEADER, [tableRow(phase)]).split('\n')[2]);
  };

  try {
    log(`system: ${system.mode} services; logs in ${system.logDir}`);
    const nodeArgs = options.profileAt !== undefined ? ['-r', path.join(__dirname, 'cpu-profiler.preload.js')] : [];
    if (nodeArgs.length) mkdirSync(profileDir, { recursive: true });
    const api = await system.startApp('api', 'api-1', { nodeArgs, env: { BENCH_CPU_PROFILE_DIR: profileDir } });
    const target = new HttpTarget(api.url, system.apiKey, 128);
    for (let i = 0; i < shape.skus; i++) initialStock.set(skuId(runTag, i), 1_000_000_000);
    await seedStock(target, initialStock);

    log(`\n${textTable(TABLE_HEADER, []).split('\n').slice(0, 2).join('\n')}`);

    // (1) The raw limit: the same statements on plain pg, at each concurrency.
    for (const concurrency of options.concurrencies) {
      const generator = new OrderGenerator(shape, 'r', `raw${concurrency}`);
      const clients = await connectRawLane(system.env.DATABASE_URL, concurrency);
      const result = await measured(system, options, progress, `raw limit`, concurrency, (onProgress) =>
        runClosedLoop({
          concurrency,
          durationMs: options.phaseSeconds * 1000,
          onProgress,
          op: async (_index, client) => {
            const command = generator.next();
            await placeOrderRaw(clients[client], command);
            accepted.push({ customerId: command.customerId, clientOrderId: command.clientOrderId, channel: 'raw' });
          },
        }),
      );
      await Promise.all(clients.map((client) => client.end()));
      const phase = loopPhase(`raw-${concurrency}`, 'raw', 'raw limit (pg)', concurrency, result);
      await check(phase);
      finish(phase);
    }

    const rawBest = phases.filter((p) => p.kind === 'raw').reduce((best, p) => (p.ordersPerSecond > best.ordersPerSecond ? p : best));
    for (const phase of phases) phase.ratioToRawLimit = phase.ordersPerSecond / rawBest.ordersPerSecond;

    // (2) REST at each concurrency, after a warm-up (JIT, pools, caches). The measured requests go
    // through the lean keep-alive client: the generator must stay small next to the API.
    const apiUrl = new URL(api.url);
    const restOrder = (generator: OrderGenerator, http: KeepAliveClient) => async (_index: number, lane: number) => {
      const command = generator.next();
      const { status } = await http.request(lane, 'POST', '/v1/orders', JSON.stringify(command));
      // 202: the API queued the order (a dependency was down); accepted, but not a measured success.
      if (status === 202) accepted.push({ customerId: command.customerId, clientOrderId: command.clientOrderId, channel: 'rest' });
      if (status !== 201 && status !== 200) return `http-${status}`;
      accepted.push({ customerId: command.customerId, clientOrderId: command.clientOrderId, channel: 'rest' });
    };
    {
      const generator = new OrderGenerator(shape, 'c', 'warm');
      const http = new KeepAliveClient(apiUrl, system.apiKey, 16);
      await runClosedLoop({ concurrency: 16, durationMs: options.warmupSeconds * 1000, op: restOrder(generator, http) });
      http.close();
    }
    for (const concurrency of options.concurrencies) {
      const generator = new OrderGenerator(shape, 'c', `rest${concurrency}`);
      const http = new KeepAliveClient(apiUrl, system.apiKey, concurrency);
      const profiling = options.profileAt === concurrency;
      if (profiling) api.signal('SIGUSR2');
      const result = await measured(system, options, progress, 'REST', concurrency, (onProgress) =>
        runClosedLoop({ concurrency, durationMs: options.phaseSeconds * 1000, onProgress, op: restOrder(generator, http) }),
      );
      if (profiling) api.signal('SIGUSR2');
      http.close();
      const phase = loopPhase(`rest-${concurrency}`, 'rest', 'REST', concurrency, result);
      phase.ratioToRawLimit = phase.ordersPerSecond / rawBest.ordersPerSecond;
      await check(phase);
      finish(phase);
    }

    // (3) SQS: N orders sent in batches; time until all are committed, by 1 and by 2 workers.
    const workers: AppProcess[] = [];
    // With --profile, every worker carries the profiler: the phases signal all of them.
    const addWorker = async () => workers.push(await system.startApp('worker', `worker-${workers.length + 1}`, { nodeArgs, env: { BENCH_CPU_PROFILE_DIR: profileDir } }));
    if (options.skipSqs || !system.sqs || !system.env.ORDERS_QUEUE_URL) {
      log(options.skipSqs ? 'SQS phases skipped (--skip-sqs)' : 'SQS phases skipped: no ORDERS_QUEUE_URL');
    } else {
      for (const count of options.sqsWorkers) {
        // Workers are added, never stopped between phases: a stopped worker's long poll can stay
        // open in the emulator and swallow the next messages until their visibility timeout.
        while (workers.length < count) await addWorker();
        // Unmeasured first: a new worker compiles its hot code (options.sqsWarmupOrders).
        if (options.sqsWarmupOrders > 0) await sqsPhase(system, options, progress, shape, `sqswarm${count}`, options.sqsWarmupOrders, accepted, workers);
        // The outcome events of the orders so far wait in the outbox for a worker to relay them:
        // let that backlog drain first, so that it does not count against the SQS path.
        const left = await waitForOutboxRelay(system.pool, `${runTag}-`);
        if (left > 0) log(`warning: ${left} outcome events still unrelayed before the SQS phase`);
        // --profile: the workers' CPU during the drain with the most workers.
        const profiling = nodeArgs.length > 0 && count === Math.max(...options.sqsWorkers);
        const phase = await sqsPhase(system, options, progress, shape, `sqs${count}w`, options.sqsOrders, accepted, workers, () => {
          if (profiling) workers.forEach((worker) => worker.signal('SIGUSR2'));
        });
        if (profiling) workers.forEach((worker) => worker.signal('SIGUSR2'));
        phase.workers = count;
        phase.label = 'SQS drain';
        phase.ratioToRawLimit = phase.ordersPerSecond / rawBest.ordersPerSecond;
        await check(phase);
        finish(phase);
      }

      // (4) Both paths at once: a backlog of sqsOrders queued orders drains while REST clients run
      // in a closed loop, from the first send until the last queued order is committed.
      while (workers.length < 2) await addWorker();
      await waitForOutboxRelay(system.pool, `${runTag}-`);
      const generator = new OrderGenerator(shape, 'c', 'mixrest');
      const http = new KeepAliveClient(apiUrl, system.apiKey, options.mixedClients);
      // --profile: the API's and the workers' CPU while both paths share the machine.
      const profiled = nodeArgs.length > 0 ? [api, ...workers] : [];
      let draining = true;
      let before: CpuSnapshot | undefined;
      let restRun: Promise<LoopResult> | undefined;
      // REST starts with the drain, when the paused workers resume on the full queue.
      const startRest = (cpuAtResume: CpuSnapshot) => {
        before = cpuAtResume;
        profiled.forEach((app) => app.signal('SIGUSR2'));
        restRun = runClosedLoop({ concurrency: options.mixedClients, durationMs: 3_600_000, stop: () => !draining, op: restOrder(generator, http) });
      };
      const sqsResult = await sqsPhase(system, options, progress, shape, 'mixsqs', options.sqsOrders, accepted, workers, startRest).finally(() => {
        draining = false;
      });
      const restResult = await restRun!;
      const after = snapshotCpu(system.cpuRoles());
      profiled.forEach((app) => app.signal('SIGUSR2'));
      http.close();
      const restPhase = loopPhase('mixed-rest', 'mixed-rest', 'mixed: REST', options.mixedClients, restResult);
      restPhase.ratioToRawLimit = restPhase.ordersPerSecond / rawBest.ordersPerSecond;
      sqsResult.id = 'mixed-sqs';
      sqsResult.kind = 'mixed-sqs';
      sqsResult.label = `mixed: SQS drain of ${options.sqsOrders.toLocaleString('en-US')}`;
      sqsResult.workers = workers.length;
      sqsResult.ratioToRawLimit = sqsResult.ordersPerSecond / rawBest.ordersPerSecond;
      delete sqsResult.cpuMs;
      delete sqsResult.cpuMsPerOrder;
      // Both paths together, over the time until the last queued order was committed.
      const both: PhaseResult = {
        id: 'mixed',
        kind: 'mixed',
        label: 'mixed: both paths',
        concurrency: options.mixedClients,
        workers: workers.length,
        orders: restResult.ok + sqsResult.orders,
        errors: restResult.errors + sqsResult.errors,
        errorKinds: { ...restResult.errorKinds, ...sqsResult.errorKinds },
        seconds: Math.max(restResult.elapsedMs / 1000, sqsResult.seconds),
        ordersPerSecond: 0,
      };
      both.ordersPerSecond = both.orders / both.seconds;
      both.ratioToRawLimit = both.ordersPerSecond / rawBest.ordersPerSecond;
      attachCpu(both, before!, after, system, both.orders);
      await check(both);
      restPhase.invariants = sqsResult.invariants = both.invariants;
      finish(restPhase);
      finish(sqsResult);
      finish(both);

      const left = await waitForOutboxRelay(system.pool, `${runTag}-`);
      log(left === 0 ? 'all outcome events relayed' : `warning: ${left} outcome events not relayed`);
      await check(sqsResult, true);
    }
    target.close();

    const profiles: BenchResult['profiles'] = [];
    if (options.profileAt !== undefined && existsSync(profileDir)) {
      await sleep(1000); // the profile is written asynchronously after the second SIGUSR2
      for (const file of readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'))) {
        profiles.push({ file: path.join(profileDir, file), summary: summarizeCpuProfile(path.join(profileDir, file)) });
      }
    }

    const result: BenchResult = {
      runTag,
      startedAt,
      machine: machine(),
      options: { ...options, log: undefined } as Omit<BenchOptions, 'log'>,
      phases,
      rawLimit: { ordersPerSecond: Math.round(rawBest.ordersPerSecond), concurrency: rawBest.concurrency! },
      targets: targets(phases, rawBest.ordersPerSecond),
      invariantsOk: phases.every((phase) => phase.invariants?.ok !== false) && finalInvariants?.ok !== false,
      finalInvariants,
      profiles,
      files: { json: path.join(runDir, 'bench.json'), svg: path.join(runDir, 'bench.svg'), markdown: path.join(runDir, 'bench.md') },
    };
    writeOutputs(result);
    return result;
  } finally {
    progress.stop();
    await system.stop();
  }
}

async function measured(
  system: SystemUnderTest,
  options: BenchOptions,
  progress: PhaseProgress,
  label: string,
  concurrency: number,
  run: (onProgress: (done: number) => void) => Promise<LoopResult>,
): Promise<LoopResult & { cpu: { before: CpuSnapshot; after: CpuSnapshot } }> {
  const total = Math.round(options.phaseSeconds * 10);
  progress.start(`${label} c=${concurrency}`, total, 'x0.1s');
  const started = performance.now();
  const before = snapshotCpu(system.cpuRoles());
  const result = await run((done) => {
    const elapsed = performance.now() - started;
    if (done % 50 === 0) progress.update(Math.min(total, Math.round(elapsed / 100)), `${Math.round((done * 1000) / elapsed)} orders/s`);
  });
  return { ...result, cpu: { before, after: snapshotCpu(system.cpuRoles()) } };
}

function loopPhase(id: string, kind: PhaseResult['kind'], label: string, concurrency: number, result: LoopResult & { cpu?: { before: CpuSnapshot; after: CpuSnapshot } }): PhaseResult {
  const phase: PhaseResult = {
    id,
    kind,
    label,
    concurrency,
    orders: result.ok,
    errors: result.errors,
    errorKinds: result.errorKinds,
    seconds: result.elapsedMs / 1000,
    ordersPerSecond: (result.ok * 1000) / result.elapsedMs,
    latency: result.latency,
  };
  if (result.cpu) attachCpu(phase, result.cpu.before, result.cpu.after, undefined, result.ok);
  return phase;
}

function attachCpu(phase: PhaseResult, before: CpuSnapshot, after: CpuSnapshot, _system: SystemUnderTest | undefined, orders: number) {
  phase.cpuMs = cpuDelta(before, after);
  phase.cpuMsPerOrder = Object.fromEntries(Object.entries(phase.cpuMs).map(([role, ms]) => [role, orders ? Math.round((ms / orders) * 1000) / 1000 : 0]));
}

/**
 * Drains a backlog: queues `count` orders while the workers are paused (SIGSTOP), resumes them,
 * and waits until every order is committed. The phase (its time, CPU, latencies) starts at the
 * resume, and `onDrainStart` runs then with the CPU snapshot taken at the resume (the mixed
 * phase starts its REST clients there and measures from the same snapshot). So the
 * drain is measured as the targets name it, "while 20,000 queued orders drain", as after a
 * maintenance, and not beside the load generator's sends and the emulator's intake of them
 * (until the fourteenth session the workers drained while the orders were still being queued;
 * docs/benchmarks.md). A paused worker's open long polls take up to 10 messages each, which it
 * places after its resume: queueing takes seconds, the visibility timeout is 30 s.
 */
async function sqsPhase(
  system: SystemUnderTest,
  options: BenchOptions,
  progress: PhaseProgress,
  shape: WorkloadShape,
  name: string,
  count: number,
  accepted: AcceptedOrder[],
  workers: readonly AppProcess[],
  onDrainStart?: (cpuAtResume: CpuSnapshot) => void,
): Promise<PhaseResult> {
  const generator = new OrderGenerator(shape, 'c', name);
  const commands: PlaceOrderCommand[] = Array.from({ length: count }, () => generator.next());
  const sqsCallsBefore = await sqsCallCounts(workers);
  const firstSend = Date.now();
  progress.start(`${name}: queueing`, count, 'orders');
  workers.forEach((worker) => worker.signal('SIGSTOP'));
  let sent: SendReport;
  let before: CpuSnapshot;
  let drainStart: number;
  try {
    sent = await sendOrders(system.sqs!, system.env.ORDERS_QUEUE_URL, commands, { lanes: 4, onSent: (queued) => progress.update(queued) });
  } finally {
    before = snapshotCpu(system.cpuRoles());
    drainStart = Date.now();
    workers.forEach((worker) => worker.signal('SIGCONT'));
    progress.stop();
  }
  options.log(`${name}: ${sent.sent.length.toLocaleString('en-US')} orders queued in ${(sent.elapsedMs / 1000).toFixed(1)} s with the workers paused`);
  for (const order of sent.sent) {
    accepted.push({ customerId: order.command.customerId, clientOrderId: order.command.clientOrderId, channel: 'sqs', sendSeq: order.sendSeq });
  }
  onDrainStart?.(before);
  progress.start(name, count, 'orders');
  const done = await waitForOrders(system.pool, {
    customerPrefix: `${shape.runTag}-`,
    clientOrderIdPrefix: `${name}-`,
    since: new Date(firstSend),
    expected: count,
    onProgress: (processed) => progress.update(processed, `${Math.round((processed * 1000) / Math.max(1, Date.now() - drainStart))} orders/s`),
  });
  const after = snapshotCpu(system.cpuRoles());
  const e2e: number[] = [];
  let lastCommit = drainStart;
  for (const committed of done.committedAt.values()) {
    e2e.push(Math.max(0, committed - drainStart));
    lastCommit = Math.max(lastCommit, committed);
  }
  const seconds = Math.max(0.001, (lastCommit - drainStart) / 1000);
  const phase: PhaseResult = {
    id: name,
    kind: 'sqs',
    label: name,
    orders: done.processed,
    errors: sent.unsent.length + (count - done.processed),
    errorKinds: { ...sent.errorKinds, ...(done.stalled ? { stalled: count - done.processed } : {}) },
    seconds,
    ordersPerSecond: done.processed / seconds,
    endToEnd: summarize(e2e),
    note: done.stalled,
  };
  attachCpu(phase, before, after, system, done.processed);
  phase.sqsCallsPerOrder = callsPerOrder(sqsCallsBefore, await sqsCallCounts(workers), done.processed);
  if (done.stalled) options.log(`${name}: ${done.stalled}`);
  return phase;
}

/** The targets of issue 12 (docs/benchmarks.md); reported, never asserted. */
export function targets(phases: PhaseResult[], rawBest: number): TargetCheck[] {
  const rest = phases.filter((p) => p.kind === 'rest');
  const bestRest = rest.reduce<PhaseResult | undefined>((best, p) => (!best || p.ordersPerSecond > best.ordersPerSecond ? p : best), undefined);
  const rest16 = rest.find((p) => p.concurrency === 16);
  const raw16 = phases.find((p) => p.kind === 'raw' && p.concurrency === 16);
  const sqs2 = phases.find((p) => p.kind === 'sqs' && p.workers === 2);
  const mixedRest = phases.find((p) => p.kind === 'mixed-rest');
  const mixedSqs = phases.find((p) => p.kind === 'mixed-sqs');
  const cpu = (phase: PhaseResult | undefined, role: string) => (phase?.cpuMsPerOrder?.[role] ?? NaN) * 1000;
  const checks: TargetCheck[] = [];
  const add = (target: string, measured: string, met: boolean) => checks.push({ target, measured, met });
  if (bestRest) {
    add('REST >= 1,500 orders/s at the best concurrency', `${Math.round(bestRest.ordersPerSecond)}/s at ${bestRest.concurrency} clients`, bestRest.ordersPerSecond >= 1500);
  }
  if (rest16 && raw16) {
    const ratio = rest16.ordersPerSecond / raw16.ordersPerSecond;
    add('REST at 16 clients >= 0.75 x the raw lane at 16', `${ratio.toFixed(2)} (raw ${Math.round(raw16.ordersPerSecond)} tx/s; best raw ${Math.round(rawBest)})`, ratio >= 0.75);
  }
  if (rest16?.latency) add('REST p99 < 50 ms at 16 clients', `${rest16.latency.p99Ms.toFixed(1)} ms`, rest16.latency.p99Ms < 50);
  if (sqs2) add('SQS drains >= 1,000 orders/s with 2 workers', `${Math.round(sqs2.ordersPerSecond)}/s`, sqs2.ordersPerSecond >= 1000);
  if (rest16?.cpuMsPerOrder) {
    add('API CPU <= 450 µs per order (REST at 16)', `${Math.round(cpu(rest16, 'api'))} µs`, cpu(rest16, 'api') <= 450);
    add('PostgreSQL primary CPU <= 450 µs per order (REST at 16)', `${Math.round(cpu(rest16, 'postgres'))} µs`, cpu(rest16, 'postgres') <= 450);
  }
  if (sqs2?.cpuMsPerOrder) add('worker CPU <= 450 µs per order (SQS, 2 workers)', `${Math.round(cpu(sqs2, 'worker'))} µs`, cpu(sqs2, 'worker') <= 450);
  if (mixedRest?.latency) {
    add('mixed: REST p99 < 100 ms at 16 clients while the backlog drains', `${mixedRest.latency.p99Ms.toFixed(1)} ms`, mixedRest.latency.p99Ms < 100);
    if (rest16) {
      const share = mixedRest.ordersPerSecond / rest16.ordersPerSecond;
      add('mixed: REST >= 0.5 x its solo throughput at 16', `${share.toFixed(2)} (${Math.round(mixedRest.ordersPerSecond)}/s of ${Math.round(rest16.ordersPerSecond)}/s)`, share >= 0.5);
    }
  }
  if (mixedSqs && sqs2) {
    const share = mixedSqs.ordersPerSecond / sqs2.ordersPerSecond;
    add('mixed: the drain keeps >= 0.3 x its solo rate (2 workers)', `${share.toFixed(2)} (${Math.round(mixedSqs.ordersPerSecond)}/s of ${Math.round(sqs2.ordersPerSecond)}/s)`, share >= 0.3);
  }
  // The load generator must stay small next to what it measures.
  const generatorShares = rest.filter((p) => p.cpuMsPerOrder?.api).map((p) => ({ p, share: p.cpuMsPerOrder!['load generator'] / p.cpuMsPerOrder!.api }));
  if (generatorShares.length) {
    const worst = generatorShares.reduce((a, b) => (b.share > a.share ? b : a));
    add('load generator CPU <= 1/4 of the API\'s per request (worst REST phase)', `${worst.share.toFixed(2)} at ${worst.p.concurrency} clients`, worst.share <= 0.25);
  }
  return checks;
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverageAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

function pick(report: InvariantReport) {
  return Object.fromEntries(VIOLATION_KEYS.map((name) => [name, report[name]])) as Record<(typeof VIOLATION_KEYS)[number], number>;
}

function writeOutputs(result: BenchResult): void {
  writeFileSync(result.files.json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(result.files.svg, throughputChart(result.phases, `Orderflow: orders/s and p99 against concurrency (${result.machine.cpus} cores, ${result.runTag})`));
  writeFileSync(result.files.markdown, benchMarkdown(result));
}

export function benchMarkdown(result: BenchResult): string {
  const cpu = cpuTable(result.phases);
  const lines = [
    `Run ${result.runTag}, ${result.startedAt}, ${result.machine.cpus} x ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB, ${result.machine.os}, Node ${result.machine.node}.`,
    `Settings given to the apps: ${Object.entries(result.options.appEnv).map(([name, value]) => `${name}=${value}`).join(' ') || 'none'}.`,
    '',
    markdownTable(TABLE_HEADER, result.phases.map(tableRow)),
    '',
    `Raw limit: ${result.rawLimit.ordersPerSecond} tx/s at ${result.rawLimit.concurrency} connections.`,
    '',
    markdownTable(['target', 'measured', 'met'], result.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : 'no'])),
    '',
    'CPU per order by process (µs of CPU time per committed order; "cores busy" = CPU seconds per wall second, of 2):',
    '',
    markdownTable(cpu.header, cpu.rows),
  ];
  const sqsCalls = sqsCallsTable(result.phases);
  if (sqsCalls.rows.length > 0) lines.push('', "The workers' SQS calls per order, by operation:", '', markdownTable(sqsCalls.header, sqsCalls.rows));
  for (const profile of result.profiles ?? []) {
    lines.push('', `CPU profile ${path.basename(profile.file)} (${profile.summary.totalMs} ms sampled), self time by area:`, '');
    lines.push(markdownTable(['area', 'ms', '%'], profile.summary.byArea.slice(0, 20).map((a) => [a.area, String(a.ms), a.share.toFixed(1)])));
    lines.push('', 'Top functions by self time:', '');
    lines.push(markdownTable(['function', 'area', 'ms', '%'], profile.summary.topFunctions.map((f) => [`\`${f.fn}\``, f.area, String(f.ms), f.share.toFixed(1)])));
  }
  return `${lines.join('\n')}\n`;
}
