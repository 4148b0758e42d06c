import { randomUUID } from 'node:crypto';
import { startTestStack, TestStack } from '../support/test-stack';
import { ApiInstance, startApiInstance } from '../support/api-instance';
import { HttpRequest, httpClient } from '../support/http-client';
import { expectProblem } from '../support/problems';


describe('REST contract v1', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let writer: HttpRequest;
  let reader: HttpRequest;
  let admin: HttpRequest;
  let anonymous: HttpRequest;

  beforeAll(async () => {
    stack = await startTestStack();
    api = await startApiInstance(stack.config());
    writer = httpClient(api.url, await stack.createKey(['orders:write', 'orders:read']));
    reader = httpClient(api.url, await stack.createKey(['orders:read']));
    admin = httpClient(api.url, await stack.createKey(['admin']));
    anonymous = httpClient(api.url);
  });

  afterAll(async () => {
    await api?.close();
    await stack?.stop();
  });

  const customer = () => `cust-${randomUUID().slice(0, 8)}`;
  const orderBody = (customerId: string, overrides: Record<string, unknown> = {}) => ({
    customerId,
    clientOrderId: `ord-${randomUUID()}`,
    currency: 'EUR',
    items: [
      { sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 },
      { sku: 'SKU-2', quantity: 1, unitPriceCents: 99 },
    ],
    shippingAddress: { line1: '1 Main St', city: 'Lyon', country: 'FR' },
    metadata: { channel: 'web' },
    ...overrides,
  });
  const countOrders = async () => (await stack.db.query(`SELECT count(*)::int AS n FROM orders`))[0].n as number;

  describe('health, metrics and documentation need no key', () => {
    it('answers liveness and readiness with PostgreSQL and Redis checked', async () => {
      expect((await anonymous('GET', '/health/live')).status).toBe(200);
      const ready = await anonymous('GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
    });

    it('serves the OpenAPI document and the docs page', async () => {
      const doc = await anonymous('GET', '/openapi.json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/orders', '/v1/orders/{id}/cancel', '/v1/inventory/{sku}']));
      const docs = await anonymous('GET', '/docs');
      expect(docs.status).toBe(200);
      expect(String(docs.body)).toContain('swagger');
    });

    it('exposes request, processing, lock and outcome metrics', async () => {
      await writer('POST', '/v1/orders', orderBody(customer()));
      const metrics = await anonymous('GET', '/metrics');
      expect(metrics.status).toBe(200);
      for (const name of [
        'orderflow_http_request_duration_seconds_bucket',
        'orderflow_order_processing_duration_seconds_bucket',
        'orderflow_lock_wait_seconds_bucket',
        'orderflow_order_outcomes_total{status="CONFIRMED"',
      ]) {
        expect(metrics.body).toContain(name);
      }
    });
  });

  describe('authentication', () => {
    it('answers 401 without a key or with an unknown key, and 403 without the scope', async () => {
      expectProblem(await anonymous('POST', '/v1/orders', orderBody(customer())), 401, 'unauthorized');
      expectProblem(await httpClient(api.url, 'of_not-a-key')('GET', '/v1/orders/x'), 401, 'unauthorized');
      expectProblem(await reader('POST', '/v1/orders', orderBody(customer())), 403, 'forbidden');
      expectProblem(await writer('PUT', '/v1/inventory/SKU-9', { available: 1 }), 403, 'forbidden');
      expectProblem(await admin('GET', `/v1/customers/${customer()}/orders`), 403, 'forbidden');
    });

    it('answers 401 for a malformed Authorization header', async () => {
      expectProblem(await anonymous('GET', '/v1/inventory/A', undefined, { authorization: 'Basic Zm9vOmJhcg==' }), 401, 'unauthorized');
    });
  });

  describe('POST /v1/orders', () => {
    it('creates a confirmed order with a computed total, 201 and Location; a new customer gets the order currency', async () => {
      const body = orderBody(customer());
      const created = await writer('POST', '/v1/orders', body);
      expect(created.status).toBe(201);
      expect(created.headers.get('location')).toBe(`/v1/orders/${created.body.id}`);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        customerId: body.customerId,
        clientOrderId: body.clientOrderId,
        orderNumber: 1,
        status: 'CONFIRMED',
        rejectionReason: null,
        currency: 'EUR',
        totalCents: 2599,
        items: body.items,
        shippingAddress: body.shippingAddress,
        metadata: body.metadata,
        source: 'http',
        processedByVersion: stack.config().version,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const account = await admin('GET', `/v1/customers/${body.customerId}`);
      expect(account.body).toMatchObject({ currency: 'EUR', creditLimitCents: null, openBalanceCents: 2599, lastOrderNumber: 1 });
    });

    it('replays the same request with 200 and the same order, and answers 409 to the same key with another payload', async () => {
      const body = orderBody(customer());
      const first = await writer('POST', '/v1/orders', body);
      const again = await writer('POST', '/v1/orders', { ...body, metadata: { channel: 'web' } });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      const before = await countOrders();
      const conflict = await writer('POST', '/v1/orders', { ...body, items: [{ sku: 'SKU-1', quantity: 3, unitPriceCents: 1250 }] });
      expectProblem(conflict, 409, 'idempotency-key-conflict');
      expect(await countOrders()).toBe(before);
    });

    it('lists every invalid field and writes nothing', async () => {
      const before = await countOrders();
      const result = await writer('POST', '/v1/orders', {
        customerId: 'bad id!',
        currency: 'EURO',
        items: [{ sku: 'A', quantity: 0, unitPriceCents: -1 }],
        totalCents: 5,
      });
      expectProblem(result, 400, 'validation-error');
      const fields = result.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining(['/customerId', '/clientOrderId', '/currency', '/items/0/quantity', '/items/0/unitPriceCents', '/totalCents']),
      );
      expect(await countOrders()).toBe(before);
    });

    it('rejects an unknown currency code, more than 100 items and quantities over 10000', async () => {
      const tooMany = Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1, unitPriceCents: 1 }));
      expectProblem(await writer('POST', '/v1/orders', orderBody(customer(), { currency: 'ZZZ' })), 400, 'validation-error');
      expectProblem(await writer('POST', '/v1/orders', orderBody(customer(), { items: tooMany })), 400, 'validation-error');
      expectProblem(await writer('POST', '/v1/orders', orderBody(customer(), { items: [] })), 400, 'validation-error');
      const big = await writer('POST', '/v1/orders', orderBody(customer(), { items: [{ sku: 'A', quantity: 10001, unitPriceCents: 1 }] }));
      expect(big.body.errors).toEqual([{ field: '/items/0/quantity', message: 'must be <= 10000' }]);
    });

    it('answers 400 to malformed JSON, 413 to a body over 64 KiB and 415 to a non-JSON body', async () => {
      expectProblem(await writer('POST', '/v1/orders', '{"customerId": "a",'), 400, 'malformed-json');
      const huge = orderBody(customer(), { metadata: { blob: 'x'.repeat(70 * 1024) } });
      expectProblem(await writer('POST', '/v1/orders', huge), 413, 'payload-too-large');
      expectProblem(await writer('POST', '/v1/orders', 'a=b', { 'content-type': 'text/plain' }), 415, 'unsupported-media-type');
    });

    it('rejects a currency other than the account currency', async () => {
      const customerId = customer();
      await writer('POST', '/v1/orders', orderBody(customerId));
      const usd = await writer('POST', '/v1/orders', orderBody(customerId, { currency: 'USD' }));
      expect(usd.status).toBe(201);
      expect(usd.body).toMatchObject({ status: 'REJECTED', rejectionReason: 'CURRENCY_MISMATCH', orderNumber: 2 });
    });

    it('confirms up to the credit limit and rejects beyond it', async () => {
      const customerId = customer();
      expect((await admin('PUT', `/v1/customers/${customerId}`, { currency: 'EUR', creditLimitCents: 5000 })).status).toBe(201);
      const items = [{ sku: 'NT-1', quantity: 1, unitPriceCents: 2500 }];
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await writer('POST', '/v1/orders', orderBody(customerId, { items }))).body);
      expect(statuses.map((o) => [o.orderNumber, o.status, o.rejectionReason])).toEqual([
        [1, 'CONFIRMED', null],
        [2, 'CONFIRMED', null],
        [3, 'REJECTED', 'CREDIT_LIMIT_EXCEEDED'],
      ]);
    });

    it('reserves stock of tracked SKUs and rejects when it runs out, reserving nothing', async () => {
      const sku = `STOCK-${randomUUID().slice(0, 6)}`;
      expect((await admin('PUT', `/v1/inventory/${sku}`, { available: 5 })).status).toBe(201);
      const items = [{ sku, quantity: 3, unitPriceCents: 100 }, { sku: 'UNTRACKED', quantity: 1000, unitPriceCents: 1 }];
      expect((await writer('POST', '/v1/orders', orderBody(customer(), { items }))).body.status).toBe('CONFIRMED');
      const second = await writer('POST', '/v1/orders', orderBody(customer(), { items }));
      expect(second.body).toMatchObject({ status: 'REJECTED', rejectionReason: 'INSUFFICIENT_STOCK' });
      expect((await admin('GET', `/v1/inventory/${sku}`)).body).toMatchObject({ sku, available: 2 });
    });
  });

  describe('reading orders', () => {
    it('gets an order by id and by client order id, 404 otherwise', async () => {
      const created = (await writer('POST', '/v1/orders', orderBody(customer()))).body;
      expect((await reader('GET', `/v1/orders/${created.id}`)).body).toEqual(created);
      expect((await reader('GET', `/v1/customers/${created.customerId}/orders/${created.clientOrderId}`)).body).toEqual(created);
      expectProblem(await reader('GET', `/v1/orders/${randomUUID()}`), 404, 'not-found');
      expectProblem(await reader('GET', `/v1/orders/not-a-uuid`), 404, 'not-found');
      expectProblem(await reader('GET', `/v1/customers/${created.customerId}/orders/unknown`), 404, 'not-found');
      expectProblem(await reader('GET', `/v1/customers/bad%20id/orders/x`), 400, 'validation-error');
    });

    it('pages through a customer’s orders by orderNumber with a cursor', async () => {
      const customerId = customer();
      for (let i = 0; i < 5; i++) await writer('POST', '/v1/orders', orderBody(customerId));
      const first = await reader('GET', `/v1/customers/${customerId}/orders?limit=2`);
      expect(first.body.orders.map((o: { orderNumber: number }) => o.orderNumber)).toEqual([1, 2]);
      expect(first.body.nextCursor).toBe('2');
      const second = await reader('GET', `/v1/customers/${customerId}/orders?limit=2&after=${first.body.nextCursor}`);
      expect(second.body.orders.map((o: { orderNumber: number }) => o.orderNumber)).toEqual([3, 4]);
      const last = await reader('GET', `/v1/customers/${customerId}/orders?limit=2&after=4`);
      expect(last.body).toMatchObject({ orders: [{ orderNumber: 5 }], nextCursor: null });
      const invalid = await reader('GET', `/v1/customers/${customerId}/orders?limit=0&after=x`);
      expectProblem(invalid, 400, 'validation-error');
      expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['after', 'limit']);
    });
  });

  describe('POST /v1/orders/{id}/cancel', () => {
    it('cancels a confirmed order, releasing its stock and credit; a second cancel is a no-op', async () => {
      const customerId = customer();
      const sku = `CAN-${randomUUID().slice(0, 6)}`;
      await admin('PUT', `/v1/customers/${customerId}`, { currency: 'EUR', creditLimitCents: 1000 });
      await admin('PUT', `/v1/inventory/${sku}`, { available: 1 });
      const order = (await writer('POST', '/v1/orders', orderBody(customerId, { items: [{ sku, quantity: 1, unitPriceCents: 1000 }] }))).body;
      expect(order.status).toBe('CONFIRMED');
      const cancelled = await writer('POST', `/v1/orders/${order.id}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ id: order.id, status: 'CANCELLED', orderNumber: 1 });
      expect((await admin('GET', `/v1/inventory/${sku}`)).body.available).toBe(1);
      expect((await admin('GET', `/v1/customers/${customerId}`)).body.openBalanceCents).toBe(0);
      const again = await writer('POST', `/v1/orders/${order.id}/cancel`);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(cancelled.body);
      // The released credit and stock can be used again.
      const next = await writer('POST', '/v1/orders', orderBody(customerId, { items: [{ sku, quantity: 1, unitPriceCents: 1000 }] }));
      expect(next.body).toMatchObject({ status: 'CONFIRMED', orderNumber: 2 });
    });

    it('refuses to cancel a rejected order (409) and answers 404 for an unknown one', async () => {
      const customerId = customer();
      await writer('POST', '/v1/orders', orderBody(customerId));
      const rejected = (await writer('POST', '/v1/orders', orderBody(customerId, { currency: 'GBP' }))).body;
      expectProblem(await writer('POST', `/v1/orders/${rejected.id}/cancel`), 409, 'order-not-cancellable');
      expectProblem(await writer('POST', `/v1/orders/${randomUUID()}/cancel`), 404, 'not-found');
      expectProblem(await reader('POST', `/v1/orders/${rejected.id}/cancel`), 403, 'forbidden');
    });
  });

  describe('admin routes', () => {
    it('creates then updates a customer account and validates it', async () => {
      const customerId = customer();
      expectProblem(await admin('GET', `/v1/customers/${customerId}`), 404, 'not-found');
      expect((await admin('PUT', `/v1/customers/${customerId}`, { currency: 'USD', creditLimitCents: 100 })).status).toBe(201);
      const updated = await admin('PUT', `/v1/customers/${customerId}`, { currency: 'USD', creditLimitCents: null });
      expect(updated.status).toBe(200);
      expect(updated.body).toEqual({ id: customerId, currency: 'USD', creditLimitCents: null, openBalanceCents: 0, lastOrderNumber: 0 });
      const invalid = await admin('PUT', `/v1/customers/${customerId}`, { currency: 'usd', creditLimitCents: -1 });
      expectProblem(invalid, 400, 'validation-error');
      expect(invalid.body.errors).toHaveLength(2);
    });

    it('sets and reads stock records', async () => {
      const sku = `INV-${randomUUID().slice(0, 6)}`;
      expectProblem(await admin('GET', `/v1/inventory/${sku}`), 404, 'not-found');
      expect((await admin('PUT', `/v1/inventory/${sku}`, { available: 7 })).status).toBe(201);
      expect((await admin('PUT', `/v1/inventory/${sku}`, { available: 3 })).status).toBe(200);
      expect((await admin('GET', `/v1/inventory/${sku}`)).body).toMatchObject({ sku, available: 3 });
      expectProblem(await admin('PUT', `/v1/inventory/${sku}`, { available: -1 }), 400, 'validation-error');
    });
  });

  it('answers unknown routes with a problem', async () => {
    expectProblem(await anonymous('GET', '/v2/nothing'), 404, 'route-not-found');
  });

  it('echoes a request id', async () => {
    const result = await anonymous('GET', '/health/live', undefined, { 'x-request-id': 'req-123' });
    expect(result.headers.get('x-request-id')).toBe('req-123');
  });
});
