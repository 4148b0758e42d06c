import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { startTestStack, TestStack } from '../support/test-stack';
import { AppProcess } from '../support/app-process';
import { startWorkerProcess } from '../support/worker-process';
import { drainQueue, ownQueues, queueDepth, QueueEnv, sendOrders, sqsClient } from '../support/sqs-helpers';
import { checkInvariants, INVARIANTS_HOLD } from '../support/invariants';
import { eventually } from '../support/eventually';
import { checkEventDeliveries } from '@orderflow/harness/events-queue';

const CUSTOMERS = 30;
const ORDERS = 900;

describe('worker failures under load', () => {
  let stack: TestStack;
  let sqs: SQSClient;
  const workers: AppProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    sqs = sqsClient(stack.env);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    sqs?.destroy();
    await stack?.stop();
  });

  let started = 0;
  const startWorker = async (q: QueueEnv) => {
    const worker = await startWorkerProcess(stack, `worker-${started++}`, { ...q });
    workers.push(worker);
    return worker;
  };

  async function runScenario(fault: (victim: AppProcess) => Promise<void>) {
    const run = randomUUID().slice(0, 6);
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `${run}-c${i}`);
    const sent: PlaceOrderCommand[] = Array.from({ length: ORDERS }, (_, i) => ({
      customerId: customers[i % CUSTOMERS],
      clientOrderId: `o-${String(i).padStart(4, '0')}`,
      currency: 'EUR',
      items: [{ sku: `F-${i % 5}`, quantity: 1, unitPriceCents: 100 + i }],
    }));
    // Each scenario on its own queues: nothing the previous one left in flight can reach it.
    const q = await ownQueues(stack.env, 5);
    const [victim] = await Promise.all([startWorker(q), startWorker(q)]);
    const count = async () => (await stack.db.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id = ANY($1)`, [customers]))[0].n as number;
    const sending = sendOrders(sqs, q.ORDERS_QUEUE_URL, sent);
    await eventually('processing under way', async () => (await count()) >= ORDERS / 5, 60_000, 20);
    // The fault must hit a worker in the middle of its work, or the scenario proves nothing.
    const inFlight = async () => Number(/orderflow_sqs_messages_in_flight\{[^}]*\} (\d+)/.exec(await (await fetch(`${victim.url}/metrics`)).text())?.[1] ?? 0);
    await eventually('the victim holds messages', async () => (await inFlight()) > 0, 30_000, 5);
    await fault(victim);
    await sending;
    await eventually('every order processed', async () => (await count()) === ORDERS, 120_000);

    const rows: Array<{ customer_id: string; client_order_id: string; order_number: number }> = await stack.db.query(
      `SELECT customer_id, client_order_id, order_number FROM orders WHERE customer_id = ANY($1) ORDER BY customer_id, order_number`,
      [customers],
    );
    expect(rows).toHaveLength(ORDERS);
    for (const customerId of customers) {
      const expected = sent.filter((o) => o.customerId === customerId).map((o) => o.clientOrderId);
      expect(rows.filter((r) => r.customer_id === customerId).map((r) => r.client_order_id)).toEqual(expected);
    }
    expect(await checkInvariants(stack.db)).toMatchObject(INVARIANTS_HOLD);
    await eventually('queue empty', async () => {
      const depth = await queueDepth(sqs, q.ORDERS_QUEUE_URL);
      return depth.visible === 0 && depth.inFlight === 0;
    });
    expect(await drainQueue(sqs, q.ORDERS_DLQ_URL, 1)).toEqual([]);

    const outbox = await stack.db.query(`SELECT event_id, customer_id FROM outbox_events WHERE customer_id = ANY($1) ORDER BY id`, [customers]);
    await eventually('outbox published', async () =>
      (await stack.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`))[0].n === 0,
    );
    const events = (await drainQueue(sqs, q.ORDER_EVENTS_QUEUE_URL)).filter((m) => customers.includes(JSON.parse(m.Body!).order.customerId));
    return { events: checkEventDeliveries(events, outbox), outbox };
  }

  it('loses and duplicates nothing when a worker is killed with SIGKILL in the middle of a batch', async () => {
    const { events } = await runScenario(async (victim) => {
      victim.signal('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');
    });
    expect(events.missing).toEqual([]);
    expect(events.outOfOrder).toEqual([]);
    process.stdout.write(`SIGKILL scenario: ${ORDERS} orders, event redeliveries ${events.duplicates}\n`);
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  it('drains on SIGTERM: exits 0 within 30 s, in-flight messages finished or released, nothing lost or processed twice, one event per outcome', async () => {
    let shutdown: { code: number | null; ms: number } | undefined;
    const { events } = await runScenario(async (victim) => {
      shutdown = await victim.stop();
    });
    expect(shutdown!.code).toBe(0);
    expect(shutdown!.ms).toBeLessThan(30_000);
    expect(events).toMatchObject({ missing: [], duplicates: 0, outOfOrder: [] });
    process.stdout.write(`SIGTERM scenario: worker exited 0 after ${shutdown!.ms} ms\n`);
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });
});
