import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { SQSClient } from '@aws-sdk/client-sqs';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { AppConfig } from '@orderflow/config/app-config';
import { ORDER_QUEUE } from '@orderflow/orders/order-queue.port';
import { createSqsClient } from './sqs-client';
import { SqsOrderQueue } from './sqs-order-queue';

export const SQS_CLIENT = Symbol('SQS_CLIENT');

/** The SQS client and the orders queue publisher (null when ORDERS_QUEUE_URL is not configured). */
@Module({
  providers: [
    { provide: SQS_CLIENT, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createSqsClient(config) },
    {
      provide: ORDER_QUEUE,
      inject: [SQS_CLIENT, APP_CONFIG],
      useFactory: (client: SQSClient, config: AppConfig) =>
        config.aws.ordersQueueUrl ? new SqsOrderQueue(client, config.aws.ordersQueueUrl) : null,
    },
  ],
  exports: [SQS_CLIENT, ORDER_QUEUE],
})
export class MessagingModule implements OnApplicationShutdown {
  constructor(@Inject(SQS_CLIENT) private readonly client: SQSClient) {}

  onApplicationShutdown(): void {
    this.client.destroy();
  }
}
