import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { startTestStack, TestStack } from '../support/test-stack';
import { AppProcess } from '../support/app-process';
import { ownQueues, sendOrders, sqsClient } from '../support/sqs-helpers';
import { checkInvariants, INVARIANTS_HOLD } from '../support/invariants';
import { eventually } from '../support/eventually';
import { runReleaseCli } from '../support/release-cli';
import { startTcpDelayProxy } from '../support/tcp-delay-proxy';
import { leftOnQueues, startVersionedWorker } from '../support/worker-release';

/**
 * The worker release controller judges a worker rollout on the workers' own figures: a candidate
 * whose every database round trip is slowed (a TCP proxy in front of PostgreSQL, for it alone)
 * breaks the p95 bound and is aborted by itself; its customers' orders are then processed by
 * stable, in order, nothing lost.
 */
interface AbortDecision {
  action: string;
  reason: string;
  actor: string;
  figures: { candidate: { version: string; requests: number; p95Ms: number }; stable: { p95Ms: number } };
}

describe('worker release analysis', () => {
  let stack: TestStack;
  let sqs: SQSClient;
  let proxy: Awaited<ReturnType<typeof startTcpDelayProxy>>;
  const workers: AppProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    sqs = sqsClient(stack.env);
    const target = new URL(stack.env.DATABASE_URL);
    proxy = await startTcpDelayProxy(target.hostname, Number(target.port), 40);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await proxy?.close();
    sqs?.destroy();
    await stack?.stop();
  });

  it('aborts a slow worker candidate by itself, with the figures it judged on', async () => {
    const q = await ownQueues(stack.env, 5);
    const slowDb = new URL(stack.env.DATABASE_URL);
    slowDb.port = String(proxy.port);
    const env = { RELEASE_MIN_REQUESTS: '15' };
    workers.push(
      await startVersionedWorker(stack, 'analysis-stable', '1.0.0', q, env),
      await startVersionedWorker(stack, 'analysis-candidate', '2.0.0', q, { ...env, DATABASE_URL: slowDb.toString() }),
    );
    expect((await runReleaseCli(stack, ['start', 'worker', '2.0.0', '--stable', '1.0.0', '--steps', '50,100', '--step-seconds', '3600'])).code).toBe(0);
    const run = randomUUID().slice(0, 6);
    const customers = Array.from({ length: 40 }, (_, i) => `${run}-a${i}`);
    const sent: PlaceOrderCommand[] = [];
    const count = async () => (await stack.db.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id = ANY($1)`, [customers]))[0].n as number;
    const abortDecision = async (): Promise<AbortDecision | undefined> => (await stack.db.query(`SELECT action, reason, figures, actor FROM release_decisions WHERE action = 'abort'`))[0];

    // Live traffic until the controller decides, as a canary sees it: waves of 5 orders per
    // customer, the next once the last is processed. One fixed burst could drain before the window
    // holds enough evidence (or during a noisy stretch of a loaded machine), leaving the controller
    // nothing more to judge.
    const nextWave = (): PlaceOrderCommand[] => {
      const done = sent.length / customers.length;
      return Array.from({ length: 5 * customers.length }, (_, i) => ({
        customerId: customers[i % customers.length],
        clientOrderId: `a-${String(done + Math.floor(i / customers.length)).padStart(3, '0')}`,
        currency: 'EUR',
        items: [{ sku: 'AN-1', quantity: 1, unitPriceCents: 100 }],
      }));
    };
    let decision: AbortDecision | undefined;
    const deadline = Date.now() + 120_000;
    while (!(decision = await abortDecision())) {
      if (Date.now() > deadline) {
        const status = await runReleaseCli(stack, ['status']);
        throw new Error(`no abort within 120 s: ${await count()} of ${sent.length} orders processed; release status:\n${status.stdout}${status.stderr}`);
      }
      if ((await count()) === sent.length) {
        const wave = nextWave();
        sent.push(...wave);
        await sendOrders(sqs, q.ORDERS_QUEUE_URL, wave);
      } else await sleep(100);
    }

    expect(decision.actor).toBe('controller');
    expect(decision.reason).toMatch(/^p95 /);
    expect(decision.figures.candidate.version).toBe('2.0.0');
    expect(decision.figures.candidate.requests).toBeGreaterThanOrEqual(15);
    expect(decision.figures.candidate.p95Ms).toBeGreaterThan(decision.figures.stable.p95Ms);

    await eventually('every order processed', async () => (await count()) === sent.length, 120_000, 200);
    const rows: Array<{ customer_id: string; client_order_id: string }> = await stack.db.query(
      `SELECT customer_id, client_order_id FROM orders WHERE customer_id = ANY($1) ORDER BY customer_id, order_number`,
      [customers],
    );
    for (const customerId of customers) {
      expect(rows.filter((r) => r.customer_id === customerId).map((r) => r.client_order_id)).toEqual(sent.filter((o) => o.customerId === customerId).map((o) => o.clientOrderId));
    }
    expect(await checkInvariants(stack.db)).toMatchObject(INVARIANTS_HOLD);
    // After the abort, only stable processes.
    const [{ at }] = await stack.db.query(`SELECT at FROM release_decisions WHERE action = 'abort'`);
    const late = await stack.db.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id = ANY($1) AND processed_by_version = '2.0.0' AND created_at > $2::timestamptz + interval '2 seconds'`, [customers, at]);
    expect(late[0].n).toBe(0);
    await eventually('every queue empty', async () => Object.values(await leftOnQueues(sqs, q)).every((n) => n === 0), 60_000, 500);
  }, 240_000);
});
