import { MessageAttributeValue, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { cancelOrderMessageFields, isFifoQueueUrl, placeOrderMessageFields } from '@orderflow/contracts/order-message-fields';
import type { PlaceOrder } from './orderflow-client';

/**
 * The producer side of the orders queue (docs/messages.md): `order.place` and `order.cancel`
 * messages of contract v1, with MessageGroupId = customerId and the documented
 * MessageDeduplicationId on a FIFO queue, sent with SendMessageBatch (10 per call: one
 * SendMessage per order costs more CPU than the order's whole database transaction).
 */

export interface MessageContext {
  /** Carried into the worker's logs and the outcome event. */
  correlationId?: string;
  /** W3C trace context, carried the same way. */
  traceparent?: string;
}

export interface SentOrder {
  order: PlaceOrder;
  messageId: string;
  /** FIFO queues only. */
  sequenceNumber?: string;
}

export interface FailedOrder {
  order: PlaceOrder;
  /** SQS's error code, the SDK error's name for a failed call, or EARLIER_MESSAGE_FAILED. */
  code: string;
  message: string;
  /** True when resending the same message cannot succeed (SQS blames the sender). */
  senderFault: boolean;
}

export interface SendOrdersResult {
  sent: SentOrder[];
  failed: FailedOrder[];
}

export const SQS_BATCH_SIZE = 10;

/**
 * Sends the orders in the given order, 10 per call, and reports each message's fate; it throws
 * only on programming errors. To keep each customer's orders in sequence, once a message of a
 * customer failed, that customer's later orders in `orders` are not sent (failed with
 * EARLIER_MESSAGE_FAILED): resend the failed ones, in order, with the same ids (deduplication makes
 * that safe). SQS reports failures per entry, so later entries of the same customer in the very
 * batch of a failed one may have been accepted: check `sent`.
 */
export async function sendOrders(
  sqs: SQSClient,
  queueUrl: string,
  orders: readonly PlaceOrder[],
  context: MessageContext = {},
): Promise<SendOrdersResult> {
  const fifo = isFifoQueueUrl(queueUrl);
  const attributes = messageAttributes(context);
  const result: SendOrdersResult = { sent: [], failed: [] };
  const blocked = new Set<string>();
  let batch: PlaceOrder[] = [];

  const flush = async () => {
    if (batch.length === 0) return;
    const entries = batch;
    batch = [];
    try {
      const answer = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((order, index) => ({
            Id: String(index),
            ...placeOrderMessageFields(order, fifo),
            ...(attributes ? { MessageAttributes: attributes } : {}),
          })),
        }),
      );
      for (const entry of answer.Successful ?? []) {
        result.sent.push({ order: entries[Number(entry.Id)], messageId: entry.MessageId!, sequenceNumber: entry.SequenceNumber });
      }
      for (const entry of answer.Failed ?? []) {
        fail(entries[Number(entry.Id)], entry.Code ?? 'UNKNOWN', entry.Message ?? '', entry.SenderFault ?? false);
      }
    } catch (error) {
      const { name, message, $fault } = error as { name?: string; message?: string; $fault?: string };
      for (const order of entries) fail(order, name ?? 'Error', message ?? String(error), $fault === 'client');
    }
  };
  const fail = (order: PlaceOrder, code: string, message: string, senderFault: boolean) => {
    result.failed.push({ order, code, message, senderFault });
    blocked.add(order.customerId);
  };

  for (const order of orders) {
    if (blocked.has(order.customerId)) {
      result.failed.push({ order, code: 'EARLIER_MESSAGE_FAILED', message: `an earlier order of ${order.customerId} was not sent`, senderFault: false });
      continue;
    }
    batch.push(order);
    if (batch.length === SQS_BATCH_SIZE) await flush();
  }
  await flush();
  return result;
}

/** Sends one `order.cancel` message (in the customer's FIFO group, after their earlier orders). */
export async function cancelOrder(
  sqs: SQSClient,
  queueUrl: string,
  cancel: { customerId: string; orderId: string },
  context: MessageContext = {},
): Promise<{ messageId: string; sequenceNumber?: string }> {
  const attributes = messageAttributes(context);
  const answer = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      ...cancelOrderMessageFields(cancel.customerId, cancel.orderId, isFifoQueueUrl(queueUrl)),
      ...(attributes ? { MessageAttributes: attributes } : {}),
    }),
  );
  return { messageId: answer.MessageId!, sequenceNumber: answer.SequenceNumber };
}

function messageAttributes(context: MessageContext): Record<string, MessageAttributeValue> | undefined {
  const entries = Object.entries(context).filter(([, value]) => typeof value === 'string' && value !== '');
  return entries.length ? Object.fromEntries(entries.map(([name, value]) => [name, { DataType: 'String', StringValue: value as string }])) : undefined;
}
