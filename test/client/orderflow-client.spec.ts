import { randomUUID } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SQSClient } from '@aws-sdk/client-sqs';
import { cancelOrder, createOrderflowClient, createReportingClient, OrderflowClient, OrderflowProblem, PlaceOrder, sendOrders } from '@orderflow/client';
import { createReportingApp } from '../../apps/reporting/src/reporting-app';
import { ApiInstance, startApiInstance } from '../support/api-instance';
import { AppProcess } from '../support/app-process';
import { eventually } from '../support/eventually';
import { startFaultProxy } from '../support/fault-proxy';
import { ownQueues, sqsClient } from '../support/sqs-helpers';
import { startTestStack, TestStack } from '../support/test-stack';
import { startWorkerProcess } from '../support/worker-process';

const order = (customerId: string, clientOrderId: string, unitPriceCents = 250): PlaceOrder => ({
  customerId,
  clientOrderId,
  currency: 'EUR',
  items: [{ sku: 'C-1', quantity: 1, unitPriceCents }],
});

/** @orderflow/client against a running API, reporting service and worker. */
describe('@orderflow/client', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let reporting: NestFastifyApplication;
  let key: string;
  let client: OrderflowClient;
  let sqs: SQSClient;
  const workers: AppProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    api = await startApiInstance(stack.config());
    reporting = await createReportingApp(stack.config());
    await reporting.listen(0, '127.0.0.1');
    key = await stack.createKey(['orders:write', 'orders:read', 'admin', 'reports:read']);
    client = createOrderflowClient({ baseUrl: api.url, apiKey: key });
    sqs = sqsClient(stack.env);
  });

  afterAll(async () => {
    client?.close();
    sqs?.destroy();
    await Promise.all(workers.map((w) => w.stop()));
    await api?.close();
    await reporting?.close();
    await stack?.stop();
  });

  it('places an order (201), replays it (200, the same order) and cancels it', async () => {
    const placing = order(`cl-${randomUUID().slice(0, 8)}`, 'order-1');
    const placed = await client.placeOrder(placing);
    expect(placed.status).toBe(201);
    if (placed.status === 202) throw new Error('queued');
    expect(placed.order).toMatchObject({ ...placing, status: 'CONFIRMED', orderNumber: 1, totalCents: 250 });

    const replayed = await client.placeOrder(placing);
    expect(replayed).toEqual({ status: 200, order: placed.order });

    const cancelled = await client.cancelOrder(placed.order.id);
    expect(cancelled).toMatchObject({ id: placed.order.id, status: 'CANCELLED' });
    expect(await client.getOrderByClientOrderId(placing.customerId, placing.clientOrderId)).toEqual(cancelled);
    expect(await client.listCustomerOrders(placing.customerId)).toEqual({ orders: [cancelled], nextCursor: null });
  });

  it('answers a reused key with another payload as a typed 409 problem', async () => {
    const placing = order(`cl-${randomUUID().slice(0, 8)}`, 'order-1');
    await client.placeOrder(placing);
    const conflict = await client.placeOrder({ ...placing, items: [{ sku: 'C-1', quantity: 2, unitPriceCents: 250 }] }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(OrderflowProblem);
    const problem = conflict as OrderflowProblem;
    expect(problem.status).toBe(409);
    expect(problem.slug).toBe('idempotency-key-conflict');
    expect(problem.problem).toMatchObject({ type: 'https://orderflow.example/problems/idempotency-key-conflict', status: 409, instance: '/v1/orders' });
  });

  it('surfaces validation failures and missing scopes as problems with their members', async () => {
    const invalid = await client.placeOrder({ ...order('cl-x', 'o'), items: [] }).catch((e: unknown) => e as OrderflowProblem);
    expect(invalid).toMatchObject({ status: 400, slug: 'validation-error', problem: { errors: [{ field: '/items', message: expect.any(String) }] } });
    const readOnly = createOrderflowClient({ baseUrl: api.url, apiKey: await stack.createKey(['orders:read']) });
    const forbidden = await readOnly.placeOrder(order('cl-x', 'o')).catch((e: unknown) => e as OrderflowProblem);
    readOnly.close();
    expect(forbidden).toMatchObject({ status: 403, slug: 'forbidden', problem: { requiredScope: 'orders:write' } });
  });

  it('retries a 503 and a timeout with the very same request, carrying the route token: the order is placed once', async () => {
    const proxy = await startFaultProxy(api.url, (index) =>
      index === 0
        ? { kind: 'answer', status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '0' }, body: '{"type":"https://orderflow.example/problems/service-unavailable","title":"Service temporarily unavailable","status":503}' }
        : index === 1
          ? { kind: 'hang' }
          : { kind: 'forward' },
    );
    const retrying = createOrderflowClient({ baseUrl: proxy.url, apiKey: key, routeToken: 'canary.v2.sig', retries: 2, timeoutMs: 1000 });
    try {
      const placing = order(`cl-${randomUUID().slice(0, 8)}`, 'order-1');
      const placed = await retrying.placeOrder(placing);
      expect(placed.status).toBe(201);
      expect(proxy.seen).toHaveLength(3);
      expect(new Set(proxy.seen.map((r) => r.body))).toEqual(new Set([JSON.stringify(placing)]));
      expect(proxy.seen.map((r) => r.headers['orderflow-route'])).toEqual(['canary.v2.sig', 'canary.v2.sig', 'canary.v2.sig']);
      const rows = await stack.db.query('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [placing.customerId]);
      expect(rows[0].n).toBe(1);
    } finally {
      retrying.close();
      await proxy.close();
    }
  });

  it('gives up after its retries with the last problem', async () => {
    const proxy = await startFaultProxy(api.url, () => ({ kind: 'answer', status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '0' }, body: '{"type":"https://orderflow.example/problems/service-unavailable","title":"Service temporarily unavailable","status":503}' }));
    const retrying = createOrderflowClient({ baseUrl: proxy.url, apiKey: key, retries: 1 });
    try {
      const failure = await retrying.getOrder(randomUUID()).catch((e: unknown) => e as OrderflowProblem);
      expect(failure).toMatchObject({ status: 503, slug: 'service-unavailable' });
      expect(proxy.seen).toHaveLength(2);
    } finally {
      retrying.close();
      await proxy.close();
    }
  });

  it('pins and unpins a customer, reads the audit log, and answers a promote with nothing running as release-conflict', async () => {
    const customerId = `cl-${randomUUID().slice(0, 8)}`;
    expect(await client.pinCustomer(customerId, 'api', '2.0.0')).toMatchObject({ customerId, service: 'api', version: '2.0.0' });
    const audit = await client.listAuditLog({ limit: 500 });
    expect(audit.entries?.some((entry) => entry.action === 'release.pin' && entry.target?.includes(customerId))).toBe(true);
    expect(await client.unpinCustomer(customerId)).toEqual({ customerId, removed: [{ service: 'api', version: '2.0.0' }] });
    const conflict = await client.promoteRelease({ service: 'api' }).catch((e: unknown) => e as OrderflowProblem);
    expect(conflict).toMatchObject({ status: 409, slug: 'release-conflict' });
  });

  it('sends a release action once: a 503 is not retried (a resent promote could skip a step)', async () => {
    const proxy = await startFaultProxy(api.url, () => ({ kind: 'answer', status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '0' }, body: '{"type":"https://orderflow.example/problems/service-unavailable","title":"Service temporarily unavailable","status":503}' }));
    const retrying = createOrderflowClient({ baseUrl: proxy.url, apiKey: key, retries: 2 });
    try {
      const failure = await retrying.promoteRelease({ service: 'api' }).catch((e: unknown) => e as OrderflowProblem);
      expect(failure).toMatchObject({ status: 503, slug: 'service-unavailable' });
      expect(proxy.seen).toHaveLength(1);
      await retrying.getReleaseStatus().catch(() => undefined);
      expect(proxy.seen).toHaveLength(4); // reads are still retried
    } finally {
      retrying.close();
      await proxy.close();
    }
  });

  it('reads the reporting service with the reporting client', async () => {
    const customerId = `cl-${randomUUID().slice(0, 8)}`;
    await client.placeOrder(order(customerId, 'r-1', 1000));
    const reports = createReportingClient({ baseUrl: `http://127.0.0.1:${(reporting.getHttpServer().address() as { port: number }).port}`, apiKey: key });
    try {
      await eventually('the replica has the order', async () => (await reports.getCustomerSummaryReport(customerId).catch(() => null)) !== null, 30_000);
      expect(await reports.getCustomerSummaryReport(customerId)).toMatchObject({ customerId, openBalanceCents: 1000, orders: { total: 1, confirmed: 1 } });
      const bad = await reports.getSalesReport({ from: '2026-02-30', to: '2026-03-01' }).catch((e: unknown) => e as OrderflowProblem);
      expect(bad).toMatchObject({ status: 400, slug: 'validation-error', problem: { errors: [{ field: 'from', message: expect.any(String) }] } });
    } finally {
      reports.close();
    }
  });

  it('sends orders and a cancel on the queue that a worker processes in each customer’s send order', async () => {
    const run = randomUUID().slice(0, 6);
    const customers = [0, 1, 2].map((i) => `clq-${run}-${i}`);
    const placed = await client.placeOrder(order(customers[0], 'by-rest'));
    if (placed.status === 202) throw new Error('queued');
    const orders = Array.from({ length: 25 }, (_, i) => order(customers[i % 3], `q-${String(i).padStart(2, '0')}`));

    const queues = await ownQueues(stack.env);
    const result = await sendOrders(sqs, queues.ORDERS_QUEUE_URL, orders, { correlationId: `corr-${run}` });
    expect(result.failed).toEqual([]);
    expect(result.sent.map((s) => s.order)).toEqual(orders);
    await cancelOrder(sqs, queues.ORDERS_QUEUE_URL, { customerId: customers[0], orderId: placed.order.id });

    workers.push(await startWorkerProcess(stack, 'client-worker', { ...queues }));
    const rowsOf = () =>
      stack.db.query(`SELECT customer_id, client_order_id, order_number, status FROM orders WHERE customer_id = ANY($1) ORDER BY customer_id, order_number`, [customers]);
    await eventually('every queued order processed and the cancel applied', async () => {
      const rows: Array<{ status: string }> = await rowsOf();
      return rows.length === orders.length + 1 && rows.some((r) => r.status === 'CANCELLED');
    });
    const rows: Array<{ customer_id: string; client_order_id: string; order_number: number }> = await rowsOf();
    for (const customerId of customers) {
      const expected = [...(customerId === customers[0] ? ['by-rest'] : []), ...orders.filter((o) => o.customerId === customerId).map((o) => o.clientOrderId)];
      const processed = rows.filter((r) => r.customer_id === customerId);
      expect(processed.map((r) => r.client_order_id)).toEqual(expected);
      expect(processed.map((r) => r.order_number)).toEqual(expected.map((_, i) => i + 1));
    }
    expect(await client.getOrder(placed.order.id)).toMatchObject({ status: 'CANCELLED' });
  });

  it('reports each message that could not be sent, and holds back the later orders of its customer', async () => {
    const missingQueue = `${stack.env.ORDERS_QUEUE_URL.replace(/[^/]+$/, '')}no-such-queue-${randomUUID().slice(0, 6)}.fifo`;
    const orders = Array.from({ length: 12 }, (_, i) => order(`clf-${i % 11}`, `f-${i}`));
    const result = await sendOrders(sqs, missingQueue, orders);
    expect(result.sent).toEqual([]);
    expect(new Set(result.failed.map((f) => f.order))).toEqual(new Set(orders));
    // The first batch fails as a whole; order 10 is a new customer (its own batch, failed too);
    // order 11 belongs to clf-0, whose first order failed: not sent at all.
    expect(result.failed.find((f) => f.order === orders[11])).toMatchObject({ code: 'EARLIER_MESSAGE_FAILED' });
    expect(result.failed.filter((f) => f.code !== 'EARLIER_MESSAGE_FAILED')).toHaveLength(11);
    expect(result.failed[0].code).toMatch(/QueueDoesNotExist|NonExistentQueue/);
  });
});
