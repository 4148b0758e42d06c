import { SQSClient } from '@aws-sdk/client-sqs';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { CustomerLock } from '@orderflow/locking/customer-lock';
import { inCandidateGroup } from '@orderflow/release/assignment';
import { startTestStack, TestStack } from '../support/test-stack';
import { AppProcess } from '../support/app-process';
import { ApiInstance, startApiInstance } from '../support/api-instance';
import { httpClient } from '../support/http-client';
import { drainQueue, ownQueues, QueueEnv, sendOrders, sendRaw, sqsClient } from '../support/sqs-helpers';
import { eventually, eventuallyValue } from '../support/eventually';
import { runReleaseCli } from '../support/release-cli';
import { leftOnQueues, startVersionedWorker, sumMetric } from '../support/worker-release';
import { VersionQueues } from '@orderflow/messaging/version-routing/version-queues';

/**
 * A customer pinned to the worker candidate while its first order is in processing on stable:
 * its next orders (one of them from the API's 202 path) wait for it, then go to the candidate.
 */
describe('worker pin while orders are in flight', () => {
  let stack: TestStack;
  let sqs: SQSClient;
  let redis: Redis;
  let q: QueueEnv;
  let api: ApiInstance;
  const workers: AppProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    sqs = sqsClient(stack.env);
    redis = new Redis(stack.env.REDIS_URL);
    q = await ownQueues(stack.env, 5);
    // Maintenance mode: the API enqueues every order (202) on the ingress queue.
    api = await startApiInstance(stack.config({ ...q, MAINTENANCE_MODE: 'true' }));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await api?.close();
    redis?.disconnect();
    sqs?.destroy();
    await stack?.stop();
  });

  it('holds the customer’s next orders until the one on stable is done, then processes them on the candidate, in order', async () => {
    const env = { LOCK_WAIT_TIMEOUT_MS: '30000' };
    const [stable, candidate] = [await startVersionedWorker(stack, 'pin-stable', '1.0.0', q, env), await startVersionedWorker(stack, 'pin-candidate', '2.0.0', q, env)];
    workers.push(stable, candidate);
    const started = await runReleaseCli(stack, ['start', 'worker', '2.0.0', '--stable', '1.0.0', '--steps', '10,50,100', '--step-seconds', '3600']);
    expect(started.code).toBe(0);
    const [{ id: releaseId }] = await stack.db.query(`SELECT id FROM releases WHERE service = 'worker' AND status = 'running'`);
    // A customer outside the 10% group: stable's until pinned.
    let customerId = '';
    for (let i = 0; !customerId || inCandidateGroup(releaseId, customerId, 10); i++) customerId = `pin-${randomUUID().slice(0, 6)}-${i}`;
    const order = (n: number): PlaceOrderCommand => ({ customerId, clientOrderId: `p-${n}`, currency: 'EUR', items: [{ sku: 'P-1', quantity: 1, unitPriceCents: 100 * n }] });

    // Another holder keeps the customer's lock: stable's processing of p-1 waits inside the worker.
    const held = await new CustomerLock(redis, { ttlMs: 30_000, waitTimeoutMs: 1000 }).acquireUnextended(customerId, 30_000);
    try {
      await sendOrders(sqs, q.ORDERS_QUEUE_URL, [order(1), order(2)]);
      const inFlight = async () => Number(/orderflow_sqs_messages_in_flight\{[^}]*queue="version"[^}]*\} (\d+)/.exec(await (await fetch(`${stable.url}/metrics`)).text())?.[1] ?? 0);
      await eventually('p-1 in processing on stable', async () => (await barrierOf(customerId)).version === '1.0.0' && (await inFlight()) > 0, 30_000, 20);

      expect((await runReleaseCli(stack, ['pin', customerId, 'worker=2.0.0'])).code).toBe(0);
      const key = await stack.createKey(['orders:write']);
      const accepted = await httpClient(api.url, key)('POST', '/v1/orders', order(3));
      expect(accepted.status).toBe(202);
      await sendOrders(sqs, q.ORDERS_QUEUE_URL, [order(4)]);
      // p-2 waits at the barrier: its customer is the candidate's now, and p-1 is still on stable.
      await eventually('a switch barrier wait', async () => (await sumMetric([stable, candidate], 'orderflow_worker_switch_barrier_waits_total')) >= 1, 30_000, 50);
      expect(await barrierOf(customerId)).toMatchObject({ id: `${customerId}:p-1`, version: '1.0.0' });
      expect(await ordersOf(customerId)).toEqual([]);
    } finally {
      await held.release();
    }

    const rows = await eventuallyValue('four orders', () => ordersOf(customerId), (r) => r.length === 4, 60_000);
    expect(rows).toEqual([
      { client_order_id: 'p-1', order_number: 1, processed_by_version: '1.0.0', source: 'sqs' },
      { client_order_id: 'p-2', order_number: 2, processed_by_version: '2.0.0', source: 'sqs' },
      { client_order_id: 'p-3', order_number: 3, processed_by_version: '2.0.0', source: 'sqs' },
      { client_order_id: 'p-4', order_number: 4, processed_by_version: '2.0.0', source: 'sqs' },
    ]);
    await eventually('every queue empty', async () => Object.values(await leftOnQueues(sqs, q)).every((n) => n === 0), 30_000, 200);
    expect(await barrierOf(customerId)).toEqual({ send: '4' });
  }, 180_000);

  it('dead-letters on the version queue, settles the barrier, and `npm run dlq` lists and redrives every version’s DLQ to the ingress queue', async () => {
    // The previous test's workers (1.0.0 and 2.0.0) still run; the release is still at 10%.
    const customerId = `dlq-${randomUUID().slice(0, 6)}`;
    const orderId = randomUUID();
    const body = JSON.stringify({ type: 'order.cancel', version: 1, customerId, orderId });
    await sendRaw(sqs, q.ORDERS_QUEUE_URL, [{ body, group: customerId }]);
    await eventually('dead-lettered', async () => (await sumMetric(workers, 'orderflow_sqs_messages_dead_lettered_total')) >= 1, 30_000, 50);
    // Nothing pending for the customer: its next message is not held back by a dead letter.
    expect((await barrierOf(customerId)).id).toBeUndefined();
    const versionDlqs = await new VersionQueues(sqs, q.ORDERS_QUEUE_URL).deadLetterQueueUrls();
    expect(versionDlqs).toHaveLength(2);
    await Promise.all(workers.splice(0).map((w) => w.stop()));

    const dlq = (command: string) => promisify(execFile)(process.execPath, [resolve(__dirname, '../../dist/bin/dlq.js'), ...command.split(' ')], { env: { ...process.env, ...stack.env, ...q } });
    const listed = (await dlq('list')).stdout;
    expect(listed).toContain('ORDER_NOT_FOUND');
    expect(listed).toContain(orderId);
    expect(listed).toContain('1 message(s) in the dead-letter queues (3)');
    expect((await dlq('redrive')).stdout).toContain('moved 1 message(s)');
    const [back] = await drainQueue(sqs, q.ORDERS_QUEUE_URL, 1);
    expect(back.Body).toBe(body);
    expect(back.Attributes?.MessageGroupId).toBe(customerId);
    expect((await dlq('list')).stdout).toContain('0 message(s)');
  }, 120_000);

  const barrierOf = (customerId: string) => redis.hgetall(`orderflow:worker-barrier:{${customerId}}`);
  const ordersOf = (customerId: string) =>
    stack.db.query(`SELECT client_order_id, order_number, processed_by_version, source FROM orders WHERE customer_id = $1 ORDER BY order_number`, [customerId]);
});
