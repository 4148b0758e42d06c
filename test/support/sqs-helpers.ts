import {
  DeleteMessageBatchCommand,
  Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { ensureQueues } from '@orderflow/devstack/queues';
import { placeOrderMessageFields } from '@orderflow/contracts/order-message';

export function sqsClient(env: { AWS_REGION: string; SQS_ENDPOINT: string }): SQSClient {
  return new SQSClient({ region: env.AWS_REGION, endpoint: env.SQS_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

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
  const queues = await ensureQueues({ endpoint: env.SQS_ENDPOINT, region: env.AWS_REGION, prefix: `t-${randomUUID().slice(0, 8)}` });
  if (visibilityTimeoutSeconds !== undefined) {
    const client = sqsClient(env);
    try {
      await setVisibilityTimeout(client, queues.ordersQueueUrl, visibilityTimeoutSeconds);
    } finally {
      client.destroy();
    }
  }
  return { ORDERS_QUEUE_URL: queues.ordersQueueUrl, ORDERS_DLQ_URL: queues.ordersDlqUrl, ORDER_EVENTS_QUEUE_URL: queues.orderEventsQueueUrl };
}

/** Sends order.place messages in batches of 10, in the given order (FIFO keeps it per customer). */
export async function sendOrders(client: SQSClient, queueUrl: string, orders: PlaceOrderCommand[], attributes: Record<string, string> = {}) {
  const fifo = queueUrl.endsWith('.fifo');
  for (let i = 0; i < orders.length; i += 10) {
    const result = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: orders.slice(i, i + 10).map((order, index) => ({
          Id: String(index),
          ...placeOrderMessageFields(order, fifo),
          MessageAttributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])),
        })),
      }),
    );
    if (result.Failed?.length) throw new Error(`send failed: ${JSON.stringify(result.Failed)}`);
  }
}

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

/** Reads (and deletes) everything currently on a queue. */
export async function drainQueue(client: SQSClient, queueUrl: string, idleRounds = 2): Promise<Message[]> {
  const all: Message[] = [];
  let idle = 0;
  while (idle < idleRounds) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      idle++;
      continue;
    }
    idle = 0;
    all.push(...Messages);
    await client.send(
      new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
  }
  return all;
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
