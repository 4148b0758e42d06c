import { BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';

export interface AwsTarget {
  /** Emulator endpoint; omit for real AWS (then the default credential chain applies). */
  endpoint?: string;
  region: string;
}

export interface OrderQueues {
  ordersQueueUrl: string;
  ordersDlqUrl: string;
  orderEventsQueueUrl: string;
}

// Emulators accept any credentials but the SDK insists on having some.
const emulatorCredentials = (endpoint?: string) => (endpoint ? { accessKeyId: 'test', secretAccessKey: 'test' } : undefined);

/**
 * Creates the order queues if missing. Safe to repeat: CreateQueue with identical attributes returns the
 * existing queue (attributes must stay byte-identical, hence the fixed RedrivePolicy serialisation).
 */
export async function ensureQueues(opts: AwsTarget & { prefix?: string; /** Of the orders queue; default 30. */ visibilityTimeoutSeconds?: number }): Promise<OrderQueues> {
  const prefix = opts.prefix ?? 'orderflow';
  const sqs = new SQSClient({ endpoint: opts.endpoint, region: opts.region, credentials: emulatorCredentials(opts.endpoint) });
  try {
    const createFifo = async (name: string, attributes: Record<string, string> = {}) =>
      (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true', ...attributes } }))).QueueUrl!;

    const ordersDlqUrl = await createFifo(`${prefix}-orders-dlq.fifo`);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: ordersDlqUrl, AttributeNames: ['QueueArn'] }));
    const [ordersQueueUrl, orderEventsQueueUrl] = await Promise.all([
      createFifo(`${prefix}-orders.fifo`, {
        VisibilityTimeout: String(opts.visibilityTimeoutSeconds ?? 30),
        ReceiveMessageWaitTimeSeconds: '20',
        ContentBasedDeduplication: 'false',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 5 }),
      }),
      createFifo(`${prefix}-order-events.fifo`),
    ]);
    return { ordersQueueUrl, ordersDlqUrl, orderEventsQueueUrl };
  } finally {
    sqs.destroy();
  }
}

/** Creates the bucket if missing (path-style addressing against an emulator: no per-bucket DNS names). */
export async function ensureBucket(opts: AwsTarget & { bucket: string }): Promise<void> {
  const s3 = new S3Client({
    endpoint: opts.endpoint,
    region: opts.region,
    credentials: emulatorCredentials(opts.endpoint),
    forcePathStyle: opts.endpoint !== undefined,
  });
  try {
    // Outside us-east-1, S3 wants the region restated in the request.
    const location = opts.region === 'us-east-1' ? undefined : { LocationConstraint: opts.region as never };
    await s3.send(new CreateBucketCommand({ Bucket: opts.bucket, CreateBucketConfiguration: location }));
  } catch (err) {
    // Already ours: fine. (us-east-1 answers 200 instead, other regions raise this.)
    if (!(err instanceof BucketAlreadyOwnedByYou)) throw err;
  } finally {
    s3.destroy();
  }
}
