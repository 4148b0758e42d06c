import {
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { ensureQueues } from '@orderflow/devstack/queues';

// The harness's: the same client and producer as the bench and the chaos run.
export { sendAllOrders as sendOrders, sqsClient } from '@orderflow/harness/order-sender';
export { drainQueue } from '@orderflow/harness/events-queue';

/** The queue variables of a worker or an API, pointing at one test's own queues. */
export interface QueueEnv {
  ORDERS_QUEUE_URL: string;
  ORDERS_DLQ_URL: string;
  ORDER_EVENTS_QUEUE_URL: string;
}

/**
 * Creates a fresh orders queue (FIFO, with its DLQ and redrive policy) and events queue for one
 * test, so that nothing a previous test left in flight can change this one's outcome.
 */
export async function ownQueues(env: { AWS_REGION: string; SQS_ENDPOINT: string }, visibilityTimeoutSeconds?: number): Promise<QueueEnv> {
  // Created with their visibility timeout: no client of its own to change it afterwards.
  const queues = await ensureQueues({ endpoint: env.SQS_ENDPOINT, region: env.AWS_REGION, prefix: `t-${randomUUID().slice(0, 8)}`, visibilityTimeoutSeconds });
  return { ORDERS_QUEUE_URL: queues.ordersQueueUrl, ORDERS_DLQ_URL: queues.ordersDlqUrl, ORDER_EVENTS_QUEUE_URL: queues.orderEventsQueueUrl };
}

/** Bodies as they are (poison messages, other producers' mistakes): not the contract's builder. */
export async function sendRaw(client: SQSClient, queueUrl: string, entries: Array<{ body: string; group?: string }>) {
  const fifo = queueUrl.endsWith('.fifo');
  const result = await client.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: entries.map((entry, index) => ({
        Id: String(index),
        MessageBody: entry.body,
        ...(fifo ? { MessageGroupId: entry.group ?? 'raw', MessageDeduplicationId: `raw-${Date.now()}-${index}-${Math.random()}` } : {}),
      })),
    }),
  );
  if (result.Failed?.length) throw new Error(`send failed: ${JSON.stringify(result.Failed)}`);
}

export async function setVisibilityTimeout(client: SQSClient, queueUrl: string, seconds: number) {
  await client.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: String(seconds) } }));
}

export async function queueDepth(client: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
}
