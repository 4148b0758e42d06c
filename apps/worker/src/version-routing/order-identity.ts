import { createHash } from 'node:crypto';
import { customerOf, OrderMessage } from '@orderflow/contracts/order-message';
import { placeOrderDeduplicationId } from '@orderflow/contracts/deduplication-id';

/** The customer and the idempotency key of an order message: what the barrier tracks it by. */
export function orderIdentity(message: OrderMessage): { customerId: string; id: string } {
  const customerId = customerOf(message);
  const id = message.type === 'order.place' ? placeOrderDeduplicationId(customerId, message.order.clientOrderId) : `cancel:${message.orderId}`;
  return { customerId, id };
}

/** A fresh FIFO deduplication id for each send of a message (`<key>#<send>`), within SQS's 128 characters. */
export function sendDeduplicationId(id: string, send: number): string {
  const value = `${id}#${send}`;
  return value.length <= 128 ? value : createHash('sha256').update(value).digest('hex');
}
