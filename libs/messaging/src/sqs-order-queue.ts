import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PlaceOrderCommand } from '@orderflow/domain/order';
import { OrderQueue } from '@orderflow/orders/order-queue.port';
import { placeOrderMessageFields } from '@orderflow/contracts/order-message-fields';
import { isFifoQueue } from './sqs-client';

/** Puts `order.place` messages (contract v1) on the orders queue for the worker. */
export class SqsOrderQueue implements OrderQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueuePlace(command: PlaceOrderCommand, context: { correlationId?: string; traceparent?: string }): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        ...placeOrderMessageFields(command, isFifoQueue(this.queueUrl)),
        MessageAttributes: {
          ...(context.correlationId ? { correlationId: { DataType: 'String', StringValue: context.correlationId } } : {}),
          ...(context.traceparent ? { traceparent: { DataType: 'String', StringValue: context.traceparent } } : {}),
        },
      }),
    );
  }

  async ping(): Promise<void> {
    await this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['QueueArn'] }));
  }
}
