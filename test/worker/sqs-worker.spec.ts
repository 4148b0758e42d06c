import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { placeOrderMessageFields } from '@orderflow/contracts/order-message';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { startTestStack, TestStack } from '../support/test-stack';
import { AppProcess } from '../support/app-process';
import { startWorkerProcess } from '../support/worker-process';
import { drainQueue, ownQueues, queueDepth, QueueEnv, sendOrders, sendRaw, setVisibilityTimeout, sqsClient } from '../support/sqs-helpers';
import { checkInvariants, INVARIANTS_HOLD } from '../support/invariants';
import Redis from 'ioredis';
import { CustomerLock } from '@orderflow/locking/customer-lock';
import { eventually } from '../support/eventually';

function order(customerId: string, clientOrderId: string, overrides: Partial<PlaceOrderCommand> = {}): PlaceOrderCommand {
  return { customerId, clientOrderId, currency: 'EUR', items: [{ sku: 'W-1', quantity: 1, unitPriceCents: 250 }], ...overrides };
}

/** A worker's /metrics as read now: the first number a pattern's group captures, NaN when absent. */
async function metricsOf(worker: AppProcess): Promise<(pattern: RegExp) => number> {
  const text = await (await fetch(`${worker.url}/metrics`)).text();
  return (pattern) => Number(pattern.exec(text)?.[1] ?? NaN);
}

describe('SQS worker', () => {
  let stack: TestStack;
  let sqs: SQSClient;
  const workers: AppProcess[] = [];

  // Every test gets its own queues: nothing another test left in flight can reach it.
  let q: QueueEnv;
  let started = 0;
  const startWorker = async (env: Record<string, string> = {}) => {
    // A log file of its own per worker: tests read them.
    const worker = await startWorkerProcess(stack, `worker-${started++}`, { ...q, ...env });
    workers.push(worker);
    return worker;
  };
  const ordersOf = (customers: string[]) =>
    stack.db.query(`SELECT customer_id, client_order_id, order_number, source FROM orders WHERE customer_id = ANY($1) ORDER BY customer_id, order_number`, [customers]);

  beforeAll(async () => {
    stack = await startTestStack();
    sqs = sqsClient(stack.env);
  });

  beforeEach(async () => {
    q = await ownQueues(stack.env, 6);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    sqs?.destroy();
    await stack?.stop();
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  it('processes each customer’s FIFO messages in send order across two workers and publishes one event per outcome, in order', async () => {
    const run = randomUUID().slice(0, 6);
    const customers = Array.from({ length: 10 }, (_, i) => `fifo-${run}-${i}`);
    const sent = Array.from({ length: 300 }, (_, i) => order(customers[i % 10], `o-${String(i).padStart(4, '0')}`));
    await sendOrders(sqs, q.ORDERS_QUEUE_URL, sent, { correlationId: `corr-${run}` });
    // One of the two yields the CPU (WORKER_CPU_NICE): it lowers its own priority, the other keeps ours.
    const pids = (await Promise.all([startWorker(), startWorker({ WORKER_CPU_NICE: '7' })])).map((worker) => worker.pid!);
    expect(pids.map((pid) => getPriority(pid))).toEqual([getPriority(), 7]);
    await eventually('all orders processed', async () => (await ordersOf(customers)).length === sent.length);

    const rows: Array<{ customer_id: string; client_order_id: string; order_number: number; source: string }> = await ordersOf(customers);
    for (const customerId of customers) {
      const sentOrder = sent.filter((o) => o.customerId === customerId).map((o) => o.clientOrderId);
      const processed = rows.filter((r) => r.customer_id === customerId);
      expect(processed.map((r) => r.client_order_id)).toEqual(sentOrder);
      expect(processed.map((r) => r.order_number)).toEqual(sentOrder.map((_, i) => i + 1));
    }
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['sqs']));
    expect(await checkInvariants(stack.db)).toMatchObject(INVARIANTS_HOLD);

    // Events: exactly one per outcome, in orderNumber order per customer, carrying the correlation id.
    const events = await drainQueue(sqs, q.ORDER_EVENTS_QUEUE_URL);
    const ours = events.map((m) => JSON.parse(m.Body!)).filter((e) => customers.includes(e.order.customerId));
    expect(ours).toHaveLength(sent.length);
    expect(new Set(ours.map((e) => e.eventId)).size).toBe(sent.length);
    for (const customerId of customers) {
      const numbers = ours.filter((e) => e.order.customerId === customerId).map((e) => e.order.orderNumber);
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    }
    expect(ours.every((e) => e.type === 'order.confirmed' && e.correlationId === `corr-${run}`)).toBe(true);
    expect(await queueDepth(sqs, q.ORDERS_QUEUE_URL)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('sends each kind of poison message to the DLQ with its reason after exactly one receive', async () => {
    await startWorker();
    const customerId = `poison-${randomUUID().slice(0, 6)}`;
    await sendRaw(sqs, q.ORDERS_QUEUE_URL, [
      { body: '{not json', group: 'p1' },
      { body: JSON.stringify({ type: 'order.teleport', version: 1 }), group: 'p2' },
      { body: JSON.stringify({ type: 'order.place', version: 7, order: order(customerId, 'x') }), group: 'p3' },
      { body: JSON.stringify({ type: 'order.place', version: 1, order: { ...order(customerId, 'y'), items: [] } }), group: 'p4' },
      { body: JSON.stringify({ type: 'order.cancel', version: 1, customerId, orderId: randomUUID() }), group: customerId },
    ]);
    const dead: Awaited<ReturnType<typeof drainQueue>> = [];
    await eventually('five dead letters', async () => {
      dead.push(...(await drainQueue(sqs, q.ORDERS_DLQ_URL, 1)));
      return dead.length >= 5;
    });
    const reasons = dead.map((m) => m.MessageAttributes!.dlqReason.StringValue).sort();
    expect(reasons).toEqual(['INVALID_JSON', 'ORDER_NOT_FOUND', 'SCHEMA_VIOLATION', 'UNKNOWN_TYPE', 'UNSUPPORTED_VERSION']);
    for (const message of dead) {
      expect(message.MessageAttributes!.dlqReceiveCount.StringValue).toBe('1');
      expect(message.MessageAttributes!.dlqDetail.StringValue).toBeTruthy();
    }
    expect(dead.find((m) => m.MessageAttributes!.dlqReason.StringValue === 'SCHEMA_VIOLATION')!.MessageAttributes!.dlqDetail.StringValue).toContain('/order/items');
  });

  it('retries a transient failure with backoff and succeeds once the database is back', async () => {
    const worker = await startWorker();
    const customerId = `transient-${randomUUID().slice(0, 6)}`;
    await stack.postgres.stopPrimary('fast');
    try {
      await sendOrders(sqs, q.ORDERS_QUEUE_URL, [order(customerId, 'survives')]);
      await eventually('a retry', async () => /orderflow_sqs_messages_retried_total\{[^}]*\} [1-9]/.test(await (await fetch(`${worker.url}/metrics`)).text()));
    } finally {
      await stack.postgres.startPrimary();
    }
    await eventually('the order processed', async () => (await ordersOf([customerId])).length === 1, 90_000);
    expect(await drainQueue(sqs, q.ORDERS_DLQ_URL, 1)).toEqual([]);
  });

  it('keeps a customer’s order when one receive holds several of its messages (standard queue)', async () => {
    const queue = async (name: string, attributes: Record<string, string> = {}) =>
      (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
    const dlqUrl = await queue(`std-dlq-${randomUUID().slice(0, 6)}`);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const queueUrl = await queue(`std-${randomUUID().slice(0, 6)}`, {
      VisibilityTimeout: '10',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 5 }),
    });
    const customerId = `batch-${randomUUID().slice(0, 6)}`;
    const sent = Array.from({ length: 10 }, (_, i) => order(customerId, `b-${i}`));
    await sendOrders(sqs, queueUrl, sent);
    const worker = await startWorker({ ORDERS_QUEUE_URL: queueUrl, ORDERS_DLQ_URL: dlqUrl, SQS_POLLERS: '1' });
    await eventually('all processed', async () => (await ordersOf([customerId])).length === 10);
    const rows = await ordersOf([customerId]);
    expect(rows.map((r: { client_order_id: string }) => r.client_order_id)).toEqual(sent.map((o) => o.clientOrderId));
    // Pigeonhole: ten messages arrived in fewer receive calls than ten (empty long polls only add
    // calls), so at least one receive held several of this customer's messages.
    const counter = await metricsOf(worker);
    expect(counter(/^orderflow_sqs_messages_received_total\{[^}]*\} (\d+)/m)).toBe(10);
    expect(counter(/^orderflow_sqs_requests_total\{[^}]*operation="ReceiveMessage"[^}]*\} (\d+)/m)).toBeLessThan(10);
  });

  it('places a backlog in full batches while its adaptive limit admits one transaction at a time', async () => {
    // One customer each: no order waits for another's lock, so only the slots decide the batches.
    const customers = Array.from({ length: 60 }, (_, i) => `full-${randomUUID().slice(0, 6)}-${i}`);
    await sendOrders(sqs, q.ORDERS_QUEUE_URL, customers.map((customerId, i) => order(customerId, `f-${i}`)));
    // Two connections: one stays with the outbox relay, so the limit is one transaction for good.
    const worker = await startWorker({ DATABASE_POOL_SIZE: '2', PLACEMENT_BATCH: '10' });
    await eventually('all placed', async () => (await ordersOf(customers)).length === customers.length);
    const value = await metricsOf(worker);
    expect(value(/^orderflow_worker_concurrency_limit\{[^}]*\} (\d+)/m)).toBe(1);
    expect(value(/^orderflow_placement_batch_orders_sum\{[^}]*\} (\d+)/m)).toBe(customers.length);
    // While a batch runs, the next batch's messages wait ready: 6 batches of 10, give or take a
    // short receive. With only two messages ready ahead, batches went 10, 2, 10, 2: about 10.
    expect(value(/^orderflow_placement_batch_orders_count\{[^}]*\} (\d+)/m)).toBeLessThanOrEqual(8);
  });

  it('starts a fractional least concurrency as a duty cycle of one transaction and grows out of it while the database is fast', async () => {
    const customers = Array.from({ length: 12 }, (_, i) => `duty-${randomUUID().slice(0, 6)}-${i}`);
    // A fixed target no transaction reaches: every one is fast, so the duty grows a quarter each;
    // one placement per transaction, so twelve of them.
    const concurrencyLimit = /^orderflow_worker_concurrency_limit\{[^}]*\} ([\d.]+)/m;
    const worker = await startWorker({ DATABASE_POOL_SIZE: '2', PLACEMENT_BATCH: '1', WORKER_MIN_CONCURRENCY: '0.25', WORKER_DB_LATENCY_TOLERANCE: '0', WORKER_DB_LATENCY_TARGET_MS: '60000' });
    expect((await metricsOf(worker))(concurrencyLimit)).toBe(0.25);
    await sendOrders(sqs, q.ORDERS_QUEUE_URL, customers.map((customerId, i) => order(customerId, `d-${i}`)));
    await eventually('all placed', async () => (await ordersOf(customers)).length === customers.length);
    // 0.25 x 1.25^7 > 1: back to one whole transaction at a time (the most two connections allow).
    await eventually('back to one whole transaction', async () => (await metricsOf(worker))(concurrencyLimit) === 1);
  });

  it('lists dead letters with their reasons and redrives them to the orders queue (npm run dlq)', async () => {
    const worker = await startWorker();
    const customerId = `dlq-${randomUUID().slice(0, 6)}`;
    const orderId = randomUUID();
    const body = JSON.stringify({ type: 'order.cancel', version: 1, customerId, orderId });
    await sendRaw(sqs, q.ORDERS_QUEUE_URL, [{ body, group: customerId }]);
    await eventually('dead-lettered', async () => /orderflow_sqs_messages_dead_lettered_total\{reason="ORDER_NOT_FOUND"[^}]*\} 1/.test(await (await fetch(`${worker.url}/metrics`)).text()));
    await worker.stop();

    const dlq = (command: string) =>
      promisify(execFile)(process.execPath, [resolve(__dirname, '../../dist/bin/dlq.js'), ...command.split(' ')], { env: { ...process.env, ...stack.env, ...q } });
    const listed = await dlq('list');
    expect(listed.stdout).toContain('ORDER_NOT_FOUND');
    expect(listed.stdout).toContain(orderId);
    expect(listed.stdout).toContain('1 message(s) in the dead-letter queue');
    // Listing does not consume: the letter is still there to redrive.
    expect((await dlq('redrive --limit 5')).stdout).toContain('moved 1 message(s)');
    const [back] = await drainQueue(sqs, q.ORDERS_QUEUE_URL, 1);
    expect(back.Body).toBe(body);
    expect(Object.keys(back.MessageAttributes ?? {}).filter((name) => name.startsWith('dlq'))).toEqual([]);
    expect((await dlq('list')).stdout).toContain('0 message(s)');
  });

  it('extends the visibility of a message whose processing outlives the visibility timeout (heartbeat)', async () => {
    const customerId = `slow-${randomUUID().slice(0, 6)}`;
    await setVisibilityTimeout(sqs, q.ORDERS_QUEUE_URL, 3);
    const redis = new Redis(stack.env.REDIS_URL);
    try {
      // Another holder keeps the customer's lock for 9 s: the worker's processing waits that long.
      const held = await new CustomerLock(redis, { ttlMs: 9000, waitTimeoutMs: 1000 }).acquireUnextended(customerId, 9000);
      const [first, second] = [await startWorker({ LOCK_WAIT_TIMEOUT_MS: '20000' }), await startWorker({ LOCK_WAIT_TIMEOUT_MS: '20000' })];
      await sendOrders(sqs, q.ORDERS_QUEUE_URL, [order(customerId, 'slow-1')]);
      await eventually('the order processed', async () => (await ordersOf([customerId])).length === 1, 30_000);
      await held.release();
      const received = async (w: AppProcess) => Number(/orderflow_sqs_messages_received_total\{[^}]*\} (\d+)/.exec(await (await fetch(`${w.url}/metrics`)).text())![1]);
      // Received once in all, by one worker: never visible again while it waited 9 s (3 x the timeout).
      expect((await received(first)) + (await received(second))).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  it('strands nothing while a worker shuts down: a message sent meanwhile is processed by another worker at once, received once', async () => {
    // A 30 s visibility timeout: a message handed to an abandoned poll would wait that long.
    q = await ownQueues(stack.env, 30);
    const run = randomUUID().slice(0, 6);
    const send = async (command: PlaceOrderCommand) =>
      (await sqs.send(new SendMessageCommand({ QueueUrl: q.ORDERS_QUEUE_URL, ...placeOrderMessageFields(command, true) }))).MessageId!;
    const processedAt = async (customerId: string) => {
      const [row] = await ordersOf([customerId]);
      return row ? Date.now() : undefined;
    };
    const received = async (w: AppProcess) => Number(/orderflow_sqs_messages_received_total\{[^}]*\} (\d+)/.exec(await (await fetch(`${w.url}/metrics`)).text())![1]);
    const polls = { SQS_WAIT_TIME_SECONDS: '3', SQS_POLLERS: '2', LOCK_WAIT_TIMEOUT_MS: '20000', LOG_LEVEL: 'debug' };

    // The stopping worker holds a message it cannot finish yet: its customer's lock is taken.
    const redis = new Redis(stack.env.REDIS_URL);
    const busyCustomer = `busy-${run}`;
    const held = await new CustomerLock(redis, { ttlMs: 30_000, waitTimeoutMs: 1000 }).acquireUnextended(busyCustomer, 30_000);
    try {
      const stopping = await startWorker({ ...polls, SHUTDOWN_GRACE_MS: '15000' });
      await send(order(busyCustomer, 'busy'));
      await eventually('the stopping worker holds its message', async () => (await received(stopping)) === 1);
      const other = await startWorker(polls);

      const shutdown = stopping.stop();
      const shutdownStarted = Date.now();
      // Sent while the stopping worker's polls may still be running: it releases what they get.
      const early = `early-${run}`;
      const earlySentAt = Date.now();
      await send(order(early, 'e'));
      await eventually('the stopping worker stops receiving', async () => readFileSync(stopping.logFile, 'utf8').includes('stopped receiving'), 10_000, 50);
      const stoppedReceivingMs = Date.now() - shutdownStarted;
      // Sent once it no longer receives: only the other worker can get it.
      const late = `late-${run}`;
      const lateSentAt = Date.now();
      const lateMessageId = await send(order(late, 'l'));
      let lateDoneAt: number | undefined;
      await eventually('the late order processed', async () => (lateDoneAt = await processedAt(late)) !== undefined, 10_000, 20);
      let earlyDoneAt: number | undefined;
      await eventually('the early order processed', async () => (earlyDoneAt = await processedAt(early)) !== undefined, 10_000, 20);

      await held.release();
      const { code, ms } = await shutdown;
      expect(code).toBe(0);
      // The busy message was finished by the stopping worker within its grace, not released.
      expect((await ordersOf([busyCustomer])).length).toBe(1);
      const processedLine = readFileSync(other.logFile, 'utf8')
        .split('\n')
        .find((line) => line.includes(`processed order.place ${lateMessageId}`));
      expect(processedLine && JSON.parse(processedLine).receiveCount).toBe(1);
      expect(await queueDepth(sqs, q.ORDERS_QUEUE_URL)).toEqual({ visible: 0, inFlight: 0 });
      process.stdout.write(
        `shutdown: stopped receiving after ${stoppedReceivingMs} ms, exited 0 after ${ms} ms (held message included); ` +
          `messages sent right after SIGTERM / after it stopped receiving were processed ${earlyDoneAt! - earlySentAt} / ${lateDoneAt! - lateSentAt} ms after sending\n`,
      );
    } finally {
      redis.disconnect();
    }
  });
});
