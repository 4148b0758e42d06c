import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { startTestStack, TestStack } from '../support/test-stack';
import { ApiInstance, startApiInstance } from '../support/api-instance';
import { AppProcess } from '../support/app-process';
import { startWorkerProcess } from '../support/worker-process';
import { httpClient } from '../support/http-client';
import { queueDepth, sendOrders, sqsClient } from '../support/sqs-helpers';
import { checkInvariants, INVARIANTS_HOLD } from '../support/invariants';
import { eventually } from '../support/eventually';

const CUSTOMERS = 20;
const ORDERS = 1000;

describe('maintenance: orders are accepted while the worker and the database are down', () => {
  let stack: TestStack;
  let api: ApiInstance;
  let sqs: SQSClient;
  const workers: AppProcess[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    api = await startApiInstance(stack.config());
    sqs = sqsClient(stack.env);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await api?.close();
    sqs?.destroy();
    await stack?.stop();
  });

  it('takes 1,000 orders for 20 customers by REST (202) and by queue, then processes each exactly once, FIFO order kept', async () => {
    const post = httpClient(api.url, await stack.createKey(['orders:write', 'orders:read']));
    const run = randomUUID().slice(0, 6);
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `mnt-${run}-${i}`);
    const orders: PlaceOrderCommand[] = Array.from({ length: ORDERS }, (_, i) => ({
      customerId: customers[i % CUSTOMERS],
      // r- orders come by REST, q- orders straight on the FIFO queue.
      clientOrderId: `${i % 2 === 0 ? 'r' : 'q'}-${String(i).padStart(4, '0')}`,
      currency: 'EUR',
      items: [{ sku: 'M-1', quantity: 1, unitPriceCents: 100 + i }],
    }));
    const byRest = orders.filter((o) => o.clientOrderId.startsWith('r-'));
    const byQueue = orders.filter((o) => o.clientOrderId.startsWith('q-'));

    // The storefront has been using its key: the API knows it when the database goes away.
    expect((await post('GET', `/v1/customers/${customers[0]}/orders`)).status).toBe(200);
    await stack.postgres.stopPrimary('fast');
    const answers: number[] = [];
    const locations: string[] = [];
    for (let i = 0; i < byRest.length; i += 25) {
      const batch = await Promise.all(byRest.slice(i, i + 25).map((body) => post('POST', '/v1/orders', body)));
      for (const response of batch) {
        answers.push(response.status);
        locations.push(response.headers.get('location') ?? '');
      }
    }
    await sendOrders(sqs, stack.env.ORDERS_QUEUE_URL, byQueue);
    expect(answers.filter((status) => status !== 202)).toEqual([]);
    expect(locations[0]).toBe(`/v1/customers/${byRest[0].customerId}/orders/${byRest[0].clientOrderId}`);
    expect((await queueDepth(sqs, stack.env.ORDERS_QUEUE_URL)).visible).toBe(ORDERS);

    await stack.postgres.startPrimary();
    expect((await post('GET', locations[0])).status).toBe(404);
    const started = Date.now();
    for (let i = 0; i < 2; i++) {
      workers.push(await startWorkerProcess(stack, `worker-${i}`));
    }
    const count = async () => (await stack.db.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id = ANY($1)`, [customers]))[0].n as number;
    await eventually('the backlog drained', async () => (await count()) === ORDERS, 120_000, 50);
    const drainMs = Date.now() - started;

    const rows: Array<{ customer_id: string; client_order_id: string; order_number: number; source: string }> = await stack.db.query(
      `SELECT customer_id, client_order_id, order_number, source FROM orders WHERE customer_id = ANY($1) ORDER BY customer_id, order_number`,
      [customers],
    );
    const processed = new Set(rows.map((r) => `${r.customer_id}/${r.client_order_id}`));
    const lost = orders.filter((o) => !processed.has(`${o.customerId}/${o.clientOrderId}`));
    expect(lost).toEqual([]);
    expect(rows).toHaveLength(ORDERS);
    expect(await checkInvariants(stack.db)).toMatchObject(INVARIANTS_HOLD);
    for (const customerId of customers) {
      const mine = rows.filter((r) => r.customer_id === customerId);
      expect(mine.map((r) => r.order_number)).toEqual(mine.map((_, i) => i + 1));
      // Orders sent on the FIFO queue keep their send order in the customer's numbering.
      const queued = mine.filter((r) => r.client_order_id.startsWith('q-')).map((r) => r.client_order_id);
      expect(queued).toEqual(byQueue.filter((o) => o.customerId === customerId).map((o) => o.clientOrderId));
    }
    expect((await post('GET', locations[0])).status).toBe(200);
    process.stdout.write(
      `maintenance: ${ORDERS} orders (${byRest.length} REST 202, ${byQueue.length} queue), drained by 2 workers in ${drainMs} ms ` +
        `(${Math.round((ORDERS / drainMs) * 1000)} orders/s), lost ${lost.length}, duplicated ${rows.length - processed.size}\n`,
    );
  });
});
