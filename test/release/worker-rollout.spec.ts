import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import Redis from 'ioredis';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { startTestStack, TestStack } from '../support/test-stack';
import { AppProcess } from '../support/app-process';
import { ownQueues, queueDepth, QueueEnv, sendOrders, sqsClient } from '../support/sqs-helpers';
import { checkInvariants, INVARIANTS_HOLD } from '../support/invariants';
import { eventually } from '../support/eventually';
import { runReleaseCli } from '../support/release-cli';
import { AssignmentHistory, leftOnQueues, startVersionedWorker, sumMetric } from '../support/worker-release';
import { VersionQueues } from '@orderflow/messaging/version-routing/version-queues';

const CUSTOMERS = 100;
const ORDERS = 3000;
/** How long after a release change a worker may still act on the state before it (NOTIFY, else the 1 s poll). */
const PROPAGATION_MS = 1500;

/**
 * Worker rollouts on the queue (issue 13): 3,000 orders of 100 customers sent to the ingress
 * queue while a worker release runs, two workers per version, one SIGKILLed mid-run.
 */
describe('worker rollout over version queues', () => {
  let stack: TestStack;
  let sqs: SQSClient;
  let redis: Redis;
  const workers: AppProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    sqs = sqsClient(stack.env);
    redis = new Redis(stack.env.REDIS_URL);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    redis?.disconnect();
    sqs?.destroy();
    await stack?.stop();
  });

  const cli = async (...args: string[]) => {
    const result = await runReleaseCli(stack, args);
    if (result.code !== 0) throw new Error(`release ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };

  async function runRollout(stable: string, candidate: string, finish: 'abort' | 'complete') {
    const run = randomUUID().slice(0, 6);
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `${run}-c${i}`);
    const sent: PlaceOrderCommand[] = Array.from({ length: ORDERS }, (_, i) => ({
      customerId: customers[i % CUSTOMERS],
      clientOrderId: `o-${String(i).padStart(4, '0')}`,
      currency: 'EUR',
      items: [{ sku: `R-${i % 5}`, quantity: 1, unitPriceCents: 100 + (i % 50) }],
    }));
    const q: QueueEnv = await ownQueues(stack.env, 5);
    // The operator drives the steps here: the controller's bounds are opened wide so that load
    // noise on two cores never aborts by itself (worker-analysis.spec.ts tests the controller).
    const env = { DATABASE_POOL_SIZE: '4', SQS_POLLERS: '2', RELEASE_MAX_P95_RATIO: '1000', RELEASE_MAX_5XX_RATE_DELTA: '1' };
    const fleet = (version: string) =>
      Promise.all([0, 1].map((i) => startVersionedWorker(stack, `${run}-${version}-${i}`, version, q, env)));
    const [stableFleet, candidateFleet] = [await fleet(stable), await fleet(candidate)];
    workers.push(...stableFleet, ...candidateFleet);
    const count = async () => (await stack.db.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id = ANY($1)`, [customers]))[0].n as number;

    await cli('start', 'worker', candidate, '--stable', stable, '--steps', '10,50,100', '--step-seconds', '3600');
    const [{ id: releaseId }] = await stack.db.query(`SELECT id FROM releases WHERE service = 'worker' AND status = 'running'`);
    const started = Date.now();
    const progress = (what: string) => process.stdout.write(`[${run}] ${what} after ${Date.now() - started} ms\n`);
    const sending = sendOrders(sqs, q.ORDERS_QUEUE_URL, sent).then(() => progress('all sent'));

    await eventually('a third processed', async () => (await count()) >= ORDERS / 3, 120_000, 50);
    progress('a third processed');
    await cli('promote', 'worker'); // 50%
    // One worker killed while it holds messages: its forwards and its version queue's messages come back after the visibility timeout.
    const victim = candidateFleet[0];
    await eventually('40% processed', async () => (await count()) >= (ORDERS * 2) / 5, 120_000, 50);
    progress('40% processed, SIGKILL');
    victim.signal('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    await eventually('two thirds processed', async () => (await count()) >= (ORDERS * 2) / 3, 120_000, 50);

    progress('two thirds processed');
    let drainMs: number;
    const queues = new VersionQueues(sqs, q.ORDERS_QUEUE_URL);
    const retired = finish === 'abort' ? candidate : stable;
    const retiredQueue = (await queues.queueOf(retired)).queueUrl;
    const finishedAt = Date.now();
    if (finish === 'abort') {
      await cli('abort', 'worker', '--reason', 'test');
    } else {
      await cli('promote', 'worker'); // 100%
      await cli('promote', 'worker'); // complete: the candidate is stable
      // The old fleet stops with orders still coming: what it leaves is swept by the new stable fleet.
      const stops = await Promise.all(stableFleet.map((w) => w.stop()));
      expect(stops.map((s) => s.code)).toEqual([0, 0]);
    }
    await eventually('the retired version drained', async () => {
      const depth = await queueDepth(sqs, retiredQueue);
      return depth.visible + depth.inFlight === 0 && !(await pendingOn(customers, retired));
    }, 120_000, 100);
    drainMs = Date.now() - finishedAt;
    progress(`${retired} drained`);
    await sending;
    await eventually('every order processed', async () => (await count()) === ORDERS, 180_000, 200);

    // Once each, in send order, gap-free.
    const rows: Array<{ customer_id: string; client_order_id: string; order_number: number; processed_by_version: string; created_at: Date }> = await stack.db.query(
      `SELECT customer_id, client_order_id, order_number, processed_by_version, created_at FROM orders WHERE customer_id = ANY($1) ORDER BY customer_id, order_number`,
      [customers],
    );
    expect(rows).toHaveLength(ORDERS);
    for (const customerId of customers) {
      const expected = sent.filter((o) => o.customerId === customerId).map((o) => o.clientOrderId);
      const processed = rows.filter((r) => r.customer_id === customerId);
      expect(processed.map((r) => r.client_order_id)).toEqual(expected);
      expect(processed.map((r) => r.order_number)).toEqual(expected.map((_, i) => i + 1));
    }
    expect(await checkInvariants(stack.db)).toMatchObject(INVARIANTS_HOLD);

    // By the version the customer was assigned when it was processed; within PROPAGATION_MS of a
    // change of that customer's assignment, either side of it.
    const history = await AssignmentHistory.load(stack.db, releaseId);
    const wrong: string[] = [];
    let atSwitch = 0;
    for (const row of rows) {
      const at = new Date(row.created_at).getTime();
      const allowed = history.changesNear(row.customer_id, at, PROPAGATION_MS, 0);
      if (allowed.length > 1) atSwitch++;
      if (!allowed.includes(row.processed_by_version)) wrong.push(`${row.customer_id}/${row.client_order_id} by ${row.processed_by_version}, assigned ${allowed.join('|')}`);
    }
    expect(wrong).toEqual([]);

    // Nothing left anywhere: ingress, version queues, DLQs, barrier entries.
    await eventually('every queue empty', async () => Object.values(await leftOnQueues(sqs, q)).every((n) => n === 0), 60_000, 500);
    expect(await pendingOn(customers)).toBe(false);

    const perVersion = Object.fromEntries(
      (await stack.db.query(`SELECT processed_by_version AS v, count(*)::int AS n FROM orders WHERE customer_id = ANY($1) GROUP BY 1 ORDER BY 1`, [customers])).map(
        (r: { v: string; n: number }) => [r.v, r.n],
      ),
    );
    const live = workers.filter((w) => w.isRunning());
    const figures = {
      finish,
      perVersion,
      atSwitch,
      switchBarrierWaits: await sumMetric(live, 'orderflow_worker_switch_barrier_waits_total'),
      moved: await sumMetric(live, 'orderflow_worker_moved_total'),
      drainMs,
    };
    process.stdout.write(`worker rollout ${stable} -> ${candidate} (${finish}): ${JSON.stringify(figures)}\n`);
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    return figures;
  }

  /** Whether any of these customers has a message beyond the ingress queue (on `version`, if given). */
  async function pendingOn(customers: string[], version?: string): Promise<boolean> {
    for (const customerId of customers) {
      const entry = await redis.hgetall(`orderflow:worker-barrier:{${customerId}}`);
      if (entry.id && (version === undefined || entry.version === version)) return true;
    }
    return false;
  }

  it('10 → 50 → abort: the candidate’s customers come back to stable in order, its queue emptied into stable', async () => {
    const figures = await runRollout('1.0.0', '2.0.0', 'abort');
    expect(figures.perVersion['2.0.0']).toBeGreaterThan(0);
    expect(figures.perVersion['1.0.0']).toBeGreaterThan(0);
  }, 300_000);

  it('10 → 50 → 100, old fleet stopped: the new stable takes everything, the retired queue is swept', async () => {
    const figures = await runRollout('1.0.0', '3.0.0', 'complete');
    expect(figures.perVersion['3.0.0']).toBeGreaterThan(0);
    expect(figures.perVersion['1.0.0']).toBeGreaterThan(0);
  }, 300_000);
});
