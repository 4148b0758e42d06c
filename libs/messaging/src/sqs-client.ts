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
    // Builds each command's middleware chain once instead of on every call (about 5% of a
    // worker's CPU, docs/benchmarks.md). The cached handler (and its context) serves every later
    // call of that command, concurrent ones too: so no call may pass per-call options, and the
    // client's stack must not change after its first call (test/worker/sqs-client.spec.ts).
    cacheMiddleware: true,
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
