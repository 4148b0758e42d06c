import type { PlaceOrderCommand } from '@orderflow/domain/order';
import { placeOrderDeduplicationId } from './deduplication-id';

/**
 * The SQS fields of the orders queue's messages (contract v1, docs/messages.md), for every
 * producer: the API's queue, the client's producer, the tests. Free of validators and I/O so that
 * the client package can carry it.
 */

export type OrderMessage =
  | { type: 'order.place'; version: 1; order: PlaceOrderCommand }
  | { type: 'order.cancel'; version: 1; customerId: string; orderId: string };

/**
 * An `order.place` message for a command; on a FIFO queue also its group (the customer, so that
 * one customer's orders are delivered in order) and deduplication id (customer + clientOrderId).
 */
export function placeOrderMessageFields(command: PlaceOrderCommand, fifo: boolean) {
  const message: OrderMessage = { type: 'order.place', version: 1, order: command };
  return {
    MessageBody: JSON.stringify(message),
    ...(fifo
      ? { MessageGroupId: command.customerId, MessageDeduplicationId: placeOrderDeduplicationId(command.customerId, command.clientOrderId) }
      : {}),
  };
}

/**
 * An `order.cancel` message; on a FIFO queue in the customer's group (so that it follows the
 * customer's earlier orders), deduplicated by `cancel:<orderId>` (cancelling twice is a no-op anyway).
 */
export function cancelOrderMessageFields(customerId: string, orderId: string, fifo: boolean) {
  const message: OrderMessage = { type: 'order.cancel', version: 1, customerId, orderId };
  return {
    MessageBody: JSON.stringify(message),
    ...(fifo ? { MessageGroupId: customerId, MessageDeduplicationId: `cancel:${orderId}` } : {}),
  };
}

/** FIFO queues' names end in `.fifo` (an SQS rule). */
export function isFifoQueueUrl(queueUrl: string): boolean {
  return queueUrl.endsWith('.fifo');
}
