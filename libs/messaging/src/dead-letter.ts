import { Message, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { isFifoQueue } from './sqs-client';

export interface DeadLetterReason {
  /** Stable code: INVALID_JSON, UNKNOWN_TYPE, UNSUPPORTED_VERSION, SCHEMA_VIOLATION, IDEMPOTENCY_CONFLICT, ORDER_NOT_FOUND. */
  code: string;
  detail: string;
}

/**
 * Sends a message that can never succeed to the dead-letter queue at once, with its reason as
 * message attributes, keeping its body and original attributes so that it can be redriven.
 */
export async function sendToDeadLetterQueue(
  client: SQSClient,
  dlqUrl: string,
  sourceQueueUrl: string,
  message: Message,
  reason: DeadLetterReason,
): Promise<void> {
  const original = message.MessageAttributes ?? {};
  await client.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: message.Body || '(empty body)',
      MessageAttributes: {
        ...Object.fromEntries(Object.entries(original).filter(([name]) => !name.startsWith('dlq'))),
        dlqReason: { DataType: 'String', StringValue: reason.code },
        dlqDetail: { DataType: 'String', StringValue: reason.detail.slice(0, 1000) || '-' },
        dlqSourceQueue: { DataType: 'String', StringValue: sourceQueueUrl },
        dlqOriginalMessageId: { DataType: 'String', StringValue: message.MessageId ?? 'unknown' },
        dlqReceiveCount: { DataType: 'Number', StringValue: message.Attributes?.ApproximateReceiveCount ?? '1' },
        dlqFailedAt: { DataType: 'String', StringValue: new Date().toISOString() },
      },
      ...(isFifoQueue(dlqUrl)
        ? {
            MessageGroupId: message.Attributes?.MessageGroupId ?? 'dead-letters',
            MessageDeduplicationId: message.MessageId ?? `${Date.now()}`,
          }
        : {}),
    }),
  );
}
