import { randomUUID } from 'node:crypto';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { CustomerLock } from '@orderflow/locking/customer-lock';
import { OutboxRelay } from '@orderflow/messaging/outbox-relay';
import { OrderProcessingService } from '@orderflow/orders/order-processing.service';
import { drainQueue } from '../support/sqs-helpers';
import { eventually } from '../support/eventually';
import { mediumStack, MediumStack } from './medium-stack';

describe('outbox relay on PostgreSQL and the SQS emulator', () => {
  let stack: MediumStack;
  let service: OrderProcessingService;
  let queueUrl: string;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    stack = await mediumStack();
    service = new OrderProcessingService(stack.db, new CustomerLock(stack.redis, { ttlMs: 5000, waitTimeoutMs: 5000 }));
    const name = `medium-events-${randomUUID().slice(0, 8)}.fifo`;
    queueUrl = (await stack.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
  });

  afterAll(async () => {
    await Promise.all(relays.map((relay) => relay.stop()));
    await stack.close();
  });

  const unpublished = async () => (await stack.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`))[0].n as number;

  it('publishes every outcome once, in order per customer, from one elected relay among two', async () => {
    const customers = [`out-${randomUUID().slice(0, 6)}-a`, `out-${randomUUID().slice(0, 6)}-b`];
    for (let i = 0; i < 30; i++) {
      await service.placeOrder(
        { customerId: customers[i % 2], clientOrderId: `o-${i}`, currency: 'EUR', items: [{ sku: 'OUT-1', quantity: 1, unitPriceCents: 10 }] },
        { source: 'http', correlationId: `corr-${i}` },
      );
    }
    expect(await unpublished()).toBe(30);
    for (let i = 0; i < 2; i++) {
      const relay = new OutboxRelay(stack.db, stack.sqs, queueUrl, 20);
      relay.start();
      relays.push(relay);
    }
    await eventually('the outbox published', async () => (await unpublished()) === 0, 20_000, 50);

    const events = (await drainQueue(stack.sqs, queueUrl)).map((m) => ({ body: JSON.parse(m.Body!), corr: m.MessageAttributes?.correlationId?.StringValue }));
    expect(events).toHaveLength(30);
    expect(new Set(events.map((e) => e.body.eventId)).size).toBe(30);
    for (const customerId of customers) {
      const numbers = events.filter((e) => e.body.order.customerId === customerId).map((e) => e.body.order.orderNumber);
      expect(numbers).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    }
    expect(events.every((e) => e.corr === e.body.correlationId && e.corr?.startsWith('corr-'))).toBe(true);
  });
});
