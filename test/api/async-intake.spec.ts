import { randomUUID } from 'node:crypto';
import { startTestStack, TestStack } from '../support/test-stack';
import { ApiInstance, startApiInstance } from '../support/api-instance';
import { HttpRequest, httpClient } from '../support/http-client';
import { drainQueue, sqsClient } from '../support/sqs-helpers';
import { eventually } from '../support/eventually';
import { expectProblem } from '../support/problems';

describe('asynchronous acceptance (202) and maintenance mode', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let other: ApiInstance;
  let client: HttpRequest;
  let otherClient: HttpRequest;

  beforeAll(async () => {
    stack = await startTestStack();
    api = await startApiInstance(stack.config());
    other = await startApiInstance(stack.config());
    const key = await stack.createKey(['orders:write', 'orders:read', 'admin']);
    client = httpClient(api.url, key);
    otherClient = httpClient(other.url, key);
  });

  afterAll(async () => {
    await api?.close();
    await other?.close();
    await stack?.stop();
  });

  const body = (customerId = `a-${randomUUID().slice(0, 8)}`) => ({
    customerId,
    clientOrderId: randomUUID(),
    currency: 'EUR',
    items: [{ sku: 'A-1', quantity: 1, unitPriceCents: 100 }],
  });
  const queued = async () => (await drainQueue(sqsClient(stack.env), stack.env.ORDERS_QUEUE_URL, 1)).map((m) => JSON.parse(m.Body!));

  it('enqueues with Prefer: respond-async, answering 202 and a Location that is 404 until processed', async () => {
    const order = body();
    const accepted = await client('POST', '/v1/orders', order, { prefer: 'respond-async' });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('location')).toBe(`/v1/customers/${order.customerId}/orders/${order.clientOrderId}`);
    expect((await client('GET', accepted.headers.get('location')!)).status).toBe(404);
    expect(await queued()).toEqual([{ type: 'order.place', version: 1, order }]);
  });

  it('validates before enqueueing: a bad order is 400 and never queued', async () => {
    const result = await client('POST', '/v1/orders', { ...body(), items: [] }, { prefer: 'respond-async' });
    expect(result.status).toBe(400);
    expect(await queued()).toEqual([]);
  });

  it('switches maintenance mode on every instance through the admin route', async () => {
    expect((await client('PUT', '/v1/admin/maintenance', { enabled: true })).body).toEqual({ enabled: true, source: 'admin' });
    await eventually('the other instance follows', async () => (await otherClient('GET', '/v1/admin/maintenance')).body.enabled === true, 5000);
    const order = body();
    expect((await otherClient('POST', '/v1/orders', order)).status).toBe(202);
    expect(await queued()).toEqual([expect.objectContaining({ order })]);
    await client('PUT', '/v1/admin/maintenance', { enabled: false });
    await eventually('maintenance off everywhere', async () => (await otherClient('GET', '/v1/admin/maintenance')).body.enabled === false, 5000);
    expect((await otherClient('POST', '/v1/orders', body())).status).toBe(201);
  });

  it('enqueues when Redis is down, and answers 503 with Retry-After when the queue is unreachable too', async () => {
    await stack.redis.stop();
    try {
      const order = body();
      expect((await client('POST', '/v1/orders', order)).status).toBe(202);
      expect(await queued()).toEqual([expect.objectContaining({ order })]);
      await stack.sqs.stop();
      const refused = await client('POST', '/v1/orders', body());
      expectProblem(refused, 503, 'service-unavailable');
      expect(refused.headers.get('retry-after')).toBe('5');
    } finally {
      await stack.sqs.restart();
      await stack.redis.restart();
    }
    await eventually('Redis back', async () => (await client('POST', '/v1/orders', body())).status === 201, 15_000);
  });

  it('starts while PostgreSQL is down, queues orders meanwhile and processes them itself once it is back', async () => {
    await stack.postgres.stopPrimary('fast');
    let late: ApiInstance | undefined;
    try {
      late = await startApiInstance(stack.config());
      const ready = await httpClient(late.url)('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.postgres.status).toBe('down');
    } finally {
      await stack.postgres.startPrimary();
    }
    const lateClient = httpClient(late.url, await stack.createKey(['orders:write']));
    await eventually('connected in the background', async () => (await lateClient('POST', '/v1/orders', body())).status === 201, 30_000);
    await late.close();
  });
});
