import { SQSClient } from '@aws-sdk/client-sqs';
import { AppConfig } from '@orderflow/config/app-config';

/**
 * An SQS client for the configured region; with SQS_ENDPOINT set (the local emulator) requests
 * go there whatever host the queue URLs name. Credentials come from the SDK's default chain.
 */
export function createSqsClient(config: AppConfig): SQSClient {
  return new SQSClient({
    region: config.aws.region,
    ...(config.aws.sqsEndpoint ? { endpoint: config.aws.sqsEndpoint } : {}),
    maxAttempts: 3,
  });
}

export function isFifoQueue(queueUrl: string): boolean {
  return queueUrl.endsWith('.fifo');
}
