import { createHash } from 'node:crypto';

/**
 * FIFO MessageDeduplicationId of an `order.place` message. SQS deduplicates per queue unless the
 * queue has DeduplicationScope=messageGroup, and clientOrderIds are unique only per customer, so
 * the id combines both (hashed when over SQS's 128-character limit).
 */
export function placeOrderDeduplicationId(customerId: string, clientOrderId: string): string {
  const id = `${customerId}:${clientOrderId}`;
  return id.length <= 128 ? id : createHash('sha256').update(id).digest('hex');
}
