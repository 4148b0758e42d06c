import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { isFifoQueue } from './sqs-client';

export interface DeadLetter {
  messageId: string;
  reason: string;
  detail: string;
  failedAt: string;
  receiveCount: string;
  body: string;
}

/** How long listed messages stay hidden while the listing runs; they are made visible again after. */
const LISTING_VISIBILITY_SECONDS = 60;

async function receive(client: SQSClient, queueUrl: string, visibility: number): Promise<Message[]> {
  const { Messages = [] } = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: visibility,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return Messages;
}

function describe(message: Message): DeadLetter {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  return {
    messageId: attribute('dlqOriginalMessageId') ?? message.MessageId ?? '?',
    // Messages moved by the queue's redrive policy (maxReceiveCount) carry no reason of ours.
    reason: attribute('dlqReason') ?? 'MAX_RECEIVES_EXCEEDED',
    detail: attribute('dlqDetail') ?? 'moved by the redrive policy after repeated transient failures',
    failedAt: attribute('dlqFailedAt') ?? new Date(Number(message.Attributes?.SentTimestamp ?? 0)).toISOString(),
    receiveCount: attribute('dlqReceiveCount') ?? message.Attributes?.ApproximateReceiveCount ?? '?',
    body: message.Body ?? '',
  };
}

/** Lists dead letters without consuming them. */
export async function listDeadLetters(client: SQSClient, dlqUrl: string, limit: number): Promise<DeadLetter[]> {
  const seen = new Map<string, Message>();
  for (let empty = 0; empty < 2 && seen.size < limit; ) {
    const messages = await receive(client, dlqUrl, LISTING_VISIBILITY_SECONDS);
    if (messages.length === 0) empty++;
    for (const message of messages) if (seen.size < limit) seen.set(message.MessageId!, message);
  }
  const listed = [...seen.values()];
  for (let i = 0; i < listed.length; i += 10) {
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: dlqUrl,
        Entries: listed.slice(i, i + 10).map((m, index) => ({ Id: String(index), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
  }
  return listed.map(describe);
}

/**
 * Moves dead letters back to the orders queue (body and original attributes, without our dlq*
 * attributes), each sent before it is deleted: a crash in between duplicates a message, which
 * the idempotency key makes harmless, and never loses one.
 */
export async function redriveDeadLetters(client: SQSClient, dlqUrl: string, queueUrl: string, limit: number): Promise<number> {
  let moved = 0;
  for (let empty = 0; empty < 2 && moved < limit; ) {
    const messages = (await receive(client, dlqUrl, 30)).slice(0, limit - moved);
    if (messages.length === 0) empty++;
    for (const message of messages) {
      const attributes = Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).filter(([name]) => !name.startsWith('dlq')));
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: message.Body!,
          MessageAttributes: attributes,
          ...(isFifoQueue(queueUrl)
            ? {
                MessageGroupId: message.Attributes?.MessageGroupId ?? 'redriven',
                // A fresh id: the original one may still be inside SQS's 5-minute deduplication window.
                MessageDeduplicationId: `redrive-${message.MessageId}-${Date.now()}`,
              }
            : {}),
        }),
      );
      await client.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle! }));
      moved++;
    }
  }
  return moved;
}
