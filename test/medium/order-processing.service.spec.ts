import { randomUUID } from 'node:crypto';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { CustomerLock } from '@orderflow/locking/customer-lock';
import { AccountsService } from '@orderflow/orders/accounts.service';
import { IdempotencyConflictError, OrderNotCancellableError } from '@orderflow/orders/order-errors';
import { OrderProcessingService } from '@orderflow/orders/order-processing.service';
import { mediumStack, MediumStack } from './medium-stack';

describe('OrderProcessingService on PostgreSQL and Redis', () => {
  let stack: MediumStack;
  let service: OrderProcessingService;
  let accounts: AccountsService;
  const http = { source: 'http' as const };

  beforeAll(async () => {
    stack = await mediumStack();
    service = new OrderProcessingService(stack.db, new CustomerLock(stack.redis, { ttlMs: 5000, waitTimeoutMs: 5000 }), '3.1.4-medium');
    accounts = new AccountsService(stack.db);
  });

  afterAll(() => stack.close());

  const customer = () => `med-${randomUUID().slice(0, 8)}`;
  const order = (customerId: string, overrides: Partial<PlaceOrderCommand> = {}): PlaceOrderCommand => ({
    customerId,
    clientOrderId: randomUUID(),
    currency: 'EUR',
    items: [{ sku: 'MED-1', quantity: 1, unitPriceCents: 1000 }],
    ...overrides,
  });
  const outbox = async (customerId: string): Promise<Array<[string, number]>> =>
    (await stack.db.query(`SELECT payload FROM outbox_events WHERE customer_id = $1 ORDER BY id`, [customerId])).map(
      (row: { payload: { type: string; order: { orderNumber: number } } }) => [row.payload.type, row.payload.order.orderNumber],
    );

  it('numbers a customer’s orders 1..N and writes one outcome event per order in the same transaction', async () => {
    const customerId = customer();
    const placed = [];
    for (let i = 0; i < 3; i++) placed.push(await service.placeOrder(order(customerId), http));
    expect(placed.map((p) => [p.created, p.order.orderNumber, p.order.status])).toEqual([
      [true, 1, 'CONFIRMED'],
      [true, 2, 'CONFIRMED'],
      [true, 3, 'CONFIRMED'],
    ]);
    expect(await outbox(customerId)).toEqual([
      ['order.confirmed', 1],
      ['order.confirmed', 2],
      ['order.confirmed', 3],
    ]);
  });

  it('answers a replay with the stored order and refuses the same key with another body', async () => {
    const command = order(customer());
    const first = await service.placeOrder(command, http);
    const replay = await service.placeOrder(command, http);
    expect(replay).toEqual({ created: false, order: first.order });
    expect(first.order.processedByVersion).toBe('3.1.4-medium');
    await expect(service.placeOrder({ ...command, items: [{ sku: 'MED-1', quantity: 2, unitPriceCents: 1000 }] }, http)).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
    expect((await stack.db.query(`SELECT count(*)::int AS n FROM orders WHERE customer_id = $1`, [command.customerId]))[0].n).toBe(1);
  });

  it('rejects past the credit limit or the stock, as outcomes, and changes neither balance nor stock', async () => {
    const customerId = customer();
    const sku = `MED-S-${randomUUID().slice(0, 6)}`;
    await accounts.putCustomer(customerId, 'EUR', 2500, 'medium-test');
    await accounts.putStock(sku, 3, 'medium-test');
    const line = (quantity: number) => [{ sku, quantity, unitPriceCents: 1000 }];
    const confirmed = await service.placeOrder(order(customerId, { items: line(2) }), http);
    const overLimit = await service.placeOrder(order(customerId, { items: line(1) }), http);
    expect([confirmed.order.status, overLimit.order.status, overLimit.order.rejectionReason]).toEqual(['CONFIRMED', 'REJECTED', 'CREDIT_LIMIT_EXCEEDED']);
    await accounts.putCustomer(customerId, 'EUR', null, 'medium-test');
    const noStock = await service.placeOrder(order(customerId, { items: line(2) }), http);
    expect([noStock.order.status, noStock.order.rejectionReason]).toEqual(['REJECTED', 'INSUFFICIENT_STOCK']);
    expect((await accounts.getStock(sku))?.available).toBe(1);
    expect((await accounts.getCustomer(customerId))?.openBalanceCents).toBe(2000);
  });

  it('cancels a confirmed order once: stock and balance restored, a second cancel is a no-op, a rejected one refused', async () => {
    const customerId = customer();
    const sku = `MED-C-${randomUUID().slice(0, 6)}`;
    await accounts.putStock(sku, 5, 'medium-test');
    const { order: placed } = await service.placeOrder(order(customerId, { items: [{ sku, quantity: 4, unitPriceCents: 100 }] }), http);
    const cancelled = await service.cancelOrder(placed.id, http);
    expect([cancelled.changed, cancelled.order.status]).toEqual([true, 'CANCELLED']);
    expect((await service.cancelOrder(placed.id, http)).changed).toBe(false);
    expect((await accounts.getStock(sku))?.available).toBe(5);
    expect((await accounts.getCustomer(customerId))?.openBalanceCents).toBe(0);
    const { order: rejected } = await service.placeOrder(order(customerId, { items: [{ sku, quantity: 6, unitPriceCents: 100 }] }), http);
    await expect(service.cancelOrder(rejected.id, http)).rejects.toBeInstanceOf(OrderNotCancellableError);
    expect((await outbox(customerId)).map(([type]) => type)).toEqual(['order.confirmed', 'order.cancelled', 'order.rejected']);
  });
});
