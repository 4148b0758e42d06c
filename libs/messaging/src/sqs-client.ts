import { SQSClient } from '@aws-sdk/client-sqs';
import { AppConfig } from '@orderflow/config/app-config';
import { sqsRequests } from '@orderflow/observability/metrics';

/**
 * An SQS client for the configured region; with SQS_ENDPOINT set (the local emulator) requests
 * go there whatever host the queue URLs name. Credentials come from the SDK's default chain.
 * Every call is counted by operation (orderflow_sqs_requests_total): calls per message are what
 * the SQS path costs.
 */
export function createSqsClient(config: AppConfig): SQSClient {
  const client = new SQSClient({
    region: config.aws.region,
    ...(config.aws.sqsEndpoint ? { endpoint: config.aws.sqsEndpoint } : {}),
    maxAttempts: 3,
  });
  client.middlewareStack.add(
    (next, context) => (args) => {
      sqsRequests.inc({ operation: String(context.commandName ?? 'unknown').replace(/Command$/, '') });
      return next(args);
    },
    { step: 'initialize', name: 'orderflowSqsRequestCounter' },
  );
  return client;
}

export function isFifoQueue(queueUrl: string): boolean {
  return queueUrl.endsWith('.fifo');
}
