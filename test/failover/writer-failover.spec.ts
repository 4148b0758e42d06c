import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DataSource } from 'typeorm';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { freePort } from '@orderflow/devstack/free-port';
import { startWriterEndpoint, WriterEndpoint } from '@orderflow/devstack/writer-endpoint';
import { createDataSource } from '@orderflow/persistence/data-source';
import { startTestStack, TestStack } from '../support/test-stack';
import { AppProcess, startAppProcess } from '../support/app-process';
import { startWorkerProcess } from '../support/worker-process';
import { httpClient } from '../support/http-client';
import { drainQueue, sendOrders, sqsClient } from '../support/sqs-helpers';
import { checkInvariants, INVARIANTS_HOLD } from '../support/invariants';
import { eventually } from '../support/eventually';

jest.setTimeout(300_000);

const REST_CLIENTS = 4;
const CUSTOMERS_PER_CLIENT = 3;
const SQS_CUSTOMERS = 6;
/** How long the writer endpoint leads to a read-only server, as in the reproduction. */
const READ_ONLY_PHASE_MS = 6_000;

interface Answer {
  sentAt: number;
  status: number;
}

/**
 * A writer failover under REST and SQS load, with the writer endpoint as Aurora's cluster
 * endpoint behaves: HAProxy in front of a primary and its synchronous standby (so a commit
 * acknowledged by the primary is on the standby: nothing committed is lost by promoting it),
 * following the writer by a pg_is_in_recovery() health check; then, like a stale DNS record, the
 * endpoint leads to a read-only server for a while and back.
 */
describe('a writer failover under load', () => {
  let stack: TestStack;
  let endpoint: WriterEndpoint;
  let api: AppProcess;
  let worker: AppProcess;
  let sqs: SQSClient;
  let newPrimary: DataSource | undefined;

  beforeAll(async () => {
    stack = await startTestStack({ synchronousStandby: true });
    const standby = stack.postgres.standby!;
    endpoint = await startWriterEndpoint({
      rootDir: stack.rootDir,
      servers: [
        { name: 'primary', port: stack.postgres.primaryPort, followsWriter: true },
        { name: 'standby', port: standby.port, followsWriter: true },
        { name: 'reader', port: stack.postgres.replicaPort, followsWriter: false },
      ],
    });
    await eventually('the endpoint leads to the primary', async () => (await endpoint.states()).primary.up, 10_000, 50);
    const env = { ...stack.env, DATABASE_URL: endpoint.url('orderflow'), LOG_LEVEL: 'warn' };
    [api, worker] = await Promise.all([
      startAppProcess('api', env, await freePort(), join(stack.rootDir, 'api.log')),
      startWorkerProcess(stack, 'worker', env),
    ]);
    sqs = sqsClient(stack.env);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    sqs?.destroy();
    await newPrimary?.destroy().catch(() => undefined);
    await endpoint?.stop();
    await stack?.stop();
  });

  it('loses and duplicates nothing, keeps numbering gap-free, and every instance writes again by itself', async () => {
    const run = randomUUID().slice(0, 6);
    const place = httpClient(api.url, await stack.createKey(['orders:write']));
    const answers: Answer[] = [];
    const accepted = new Set<string>();
    const restCustomers: string[] = [];
    let stopping = false;

    // Storefronts: each places its customers' orders one after the other and retries a 5xx or a
    // failed request with the same clientOrderId, as a client of the API must.
    const storefront = async (client: number) => {
      const customers = Array.from({ length: CUSTOMERS_PER_CLIENT }, (_, i) => `${run}-rest-${client}-${i}`);
      restCustomers.push(...customers);
      for (let n = 0; !stopping; n++) {
        const order: PlaceOrderCommand = {
          customerId: customers[n % customers.length],
          clientOrderId: `o-${n}`,
          currency: 'EUR',
          items: [{ sku: `SKU-${n % 7}`, quantity: 1, unitPriceCents: 100 + n }],
        };
        for (;;) {
          const sentAt = Date.now();
          const status = await place('POST', '/v1/orders', order).then((r) => r.status, () => 0);
          answers.push({ sentAt, status });
          if (status === 201 || status === 202) {
            accepted.add(`${order.customerId}/${order.clientOrderId}`);
            break;
          }
          expect([0, 503]).toContain(status); // nothing but "unavailable, retry"
          await sleep(100); // a storefront's retry pause
        }
      }
    };
    // Producers on the queue: a batch of 10 orders (FIFO per customer) every 200 ms.
    const sqsCustomers = Array.from({ length: SQS_CUSTOMERS }, (_, i) => `${run}-sqs-${i}`);
    const producer = async () => {
      for (let batch = 0; !stopping; batch++) {
        const orders = Array.from({ length: 10 }, (_, i) => ({
          customerId: sqsCustomers[(batch * 10 + i) % SQS_CUSTOMERS],
          clientOrderId: `q-${batch}-${i}`,
          currency: 'EUR',
          items: [{ sku: 'SKU-Q', quantity: 1, unitPriceCents: 250 }],
        }));
        await sendOrders(sqs, stack.env.ORDERS_QUEUE_URL, orders);
        for (const order of orders) accepted.add(`${order.customerId}/${order.clientOrderId}`);
        await sleep(200);
      }
    };
    const traffic = Promise.all([...Array.from({ length: REST_CLIENTS }, (_, i) => storefront(i)), producer()]);

    const since = (t: number) => answers.filter((a) => a.sentAt >= t);
    const firstCreatedAfter = async (t: number) => {
      await eventually(`a 201 for a request sent after ${new Date(t).toISOString()}`, async () => since(t).some((a) => a.status === 201), 60_000, 20);
      return since(t).find((a) => a.status === 201)!.sentAt - t;
    };
    const steps: Record<string, number> = {};
    try {
      await eventually('orders placed before the failover', async () => answers.filter((a) => a.status === 201).length >= 50, 60_000, 50);

      // 1. The writer fails (crash-like). No server answers as writer: orders are queued (202).
      const stoppedAt = Date.now();
      await stack.postgres.stopPrimary('immediate');
      await eventually('orders queued while no writer answers', async () => since(stoppedAt).some((a) => a.status === 202), 30_000, 20);
      steps.firstQueuedAfterPrimaryStoppedMs = since(stoppedAt).find((a) => a.status === 202)!.sentAt - stoppedAt;

      // 2. The standby is promoted; the endpoint's health check finds the new writer.
      const promotedAt = Date.now();
      await stack.postgres.standby!.promote();
      steps.firstCreatedAfterPromotionMs = await firstCreatedAfter(promotedAt);

      // 3. The endpoint leads to a read-only server (sessions cut, as a failover drops them): every
      //    instance reconnects there, and every write it tries fails with 25006.
      await endpoint.routeOnlyTo('reader', { cutSessions: true });
      // From here on (the writer's sessions are cut), no request can reach the writer.
      const readOnlyAt = Date.now();
      await eventually('orders queued while the endpoint leads to a reader', async () => since(readOnlyAt).some((a) => a.status === 202), 30_000, 20);
      steps.firstQueuedAfterReadOnlyMs = since(readOnlyAt).find((a) => a.status === 202)!.sentAt - readOnlyAt;
      await sleep(Math.max(0, readOnlyAt + READ_ONLY_PHASE_MS - Date.now())); // the phase's length is the scenario, not a wait for a condition
      const readOnlyAnswers = since(readOnlyAt);

      // 4. Back to the writer; the sessions opened to the reader stay open, as after a DNS flip.
      const backAt = Date.now();
      await endpoint.followWriter();
      steps.firstCreatedAfterEndpointBackMs = await firstCreatedAfter(backAt);
      await eventually('100 orders placed at once after the endpoint came back', async () => since(backAt).filter((a) => a.status === 201).length >= 100, 60_000, 50);
      const afterBack = since(backAt);
      const last202 = afterBack.filter((a) => a.status !== 201).at(-1);
      steps.lastNotCreatedAfterEndpointBackMs = last202 ? last202.sentAt - backAt : 0;
      steps.readOnlyPhaseAnswers = readOnlyAnswers.length;
      steps.readOnlyPhaseCreated = readOnlyAnswers.filter((a) => a.status === 201).length;

      // The worker writes again too: an order sent to the queue now gets processed.
      newPrimary = await createDataSource({ url: stack.postgres.standby!.url, poolSize: 2, applicationName: 'orderflow-test' }).initialize();
      steps.firstSqsOrderAfterEndpointBackMs = await (async () => {
        await eventually('the worker processes an order after the endpoint came back', async () => {
          const [{ n }] = await newPrimary!.query(`SELECT count(*)::int AS n FROM orders WHERE source = 'sqs' AND created_at > $1`, [new Date(backAt)]);
          return n > 0;
        }, 60_000, 50);
        const [{ first }] = await newPrimary!.query(`SELECT min(created_at) AS first FROM orders WHERE source = 'sqs' AND created_at > $1`, [new Date(backAt)]);
        return (first as Date).getTime() - backAt;
      })();
    } finally {
      stopping = true;
      await traffic;
      const statuses = answers.reduce<Record<number, number>>((count, a) => ({ ...count, [a.status]: (count[a.status] ?? 0) + 1 }), {});
      process.stdout.write(`writer failover: ${accepted.size} orders accepted; answers ${JSON.stringify(statuses)}; ${JSON.stringify(steps)}\n`);
    }

    // No instance was restarted: the same processes served throughout.
    expect([api.isRunning(), worker.isRunning()]).toEqual([true, true]);
    expect(steps.readOnlyPhaseCreated).toBe(0); // every session was on the reader: the phase did bite

    const customers = [...restCustomers, ...sqsCustomers];
    const processed = async () =>
      (await newPrimary!.query(`SELECT customer_id || '/' || client_order_id AS key FROM orders WHERE customer_id = ANY($1)`, [customers])).map(
        (r: { key: string }) => r.key,
      ) as string[];
    await eventually('every accepted order processed', async () => (await processed()).length >= accepted.size, 180_000, 500);
    const keys = await processed();
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual([...accepted].sort());
    expect(await checkInvariants(newPrimary!)).toMatchObject(INVARIANTS_HOLD);
    expect(await drainQueue(sqs, stack.env.ORDERS_DLQ_URL, 1)).toEqual([]);
    // The outbox relay's leader session recovered too: every outcome event is published.
    await eventually('outbox published', async () =>
      (await newPrimary!.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`))[0].n === 0,
    );

  });
});
