import { Message, MessageAttributeValue, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { VersionQueues } from '@orderflow/messaging/version-routing/version-queues';
import { sendDeduplicationId } from './order-identity';

/**
 * Puts a message on a version's queue as it came (body and the producer's attributes:
 * correlationId, traceparent), in its customer's group, with the barrier's send number in its
 * deduplication id so that a re-send after an interrupted forward or move is never dropped.
 */
export class VersionSender {
  constructor(
    private readonly client: SQSClient,
    private readonly queues: VersionQueues,
  ) {}

  async send(message: Message, version: string, customerId: string, id: string, send: number): Promise<void> {
    const { queueUrl } = await this.queues.queueOf(version);
    const attributes: Record<string, MessageAttributeValue> = Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).filter(([name]) => !name.startsWith('dlq')),
    );
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: message.Body!,
        MessageAttributes: attributes,
        MessageGroupId: customerId,
        MessageDeduplicationId: sendDeduplicationId(id, send),
      }),
    );
  }
}
