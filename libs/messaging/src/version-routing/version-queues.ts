import { createHash } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type Redis from 'ioredis';

export interface VersionQueue {
  version: string;
  queueUrl: string;
  dlqUrl: string;
}

/** How often the version queue's own consumer may fail a message before the redrive policy takes it (a crash loop). */
export const VERSION_QUEUE_MAX_RECEIVES = 10;

/** `<ingress>-v-<version>-<hash>`: readable, and distinct for versions that differ only in `.`/`+`. */
export function versionQueueBase(ingressQueueUrl: string, version: string): string {
  const readable = version.replace(/\./g, '_').replace(/\+/g, '-');
  const hash = createHash('sha256').update(version).digest('hex').slice(0, 6);
  return `${ingressBase(ingressQueueUrl)}-v-${readable}-${hash}`;
}

/** The ingress queue's name without `.fifo`: the prefix of every version queue of it. */
export function ingressBase(ingressQueueUrl: string): string {
  return ingressQueueUrl.slice(ingressQueueUrl.lastIndexOf('/') + 1).replace(/\.fifo$/, '');
}

/**
 * The FIFO queue of each worker version, with its DLQ and redrive policy, created on first use
 * (CreateQueue with identical attributes returns the existing queue) with the ingress queue's
 * visibility timeout. One customer's messages stay in one group (MessageGroupId = customerId).
 */
export class VersionQueues {
  private readonly known = new Map<string, Promise<VersionQueue>>();

  constructor(
    private readonly client: SQSClient,
    private readonly ingressQueueUrl: string,
    /** Where the versions that have a queue are recorded, for the sweeper (a queue name does not give its version back). */
    private readonly redis?: Redis,
  ) {}

  /** Versions that have had a queue on this ingress queue, with their URLs. */
  async recorded(): Promise<VersionQueue[]> {
    if (!this.redis) return [];
    const entries = await this.redis.hgetall(this.registryKey());
    return Object.values(entries).map((json) => JSON.parse(json) as VersionQueue);
  }

  private registryKey(): string {
    return `orderflow:worker-queues:${ingressBase(this.ingressQueueUrl)}`;
  }

  queueOf(version: string): Promise<VersionQueue> {
    let queue = this.known.get(version);
    if (!queue) {
      queue = this.create(version);
      this.known.set(version, queue);
      queue.catch(() => this.known.delete(version));
    }
    return queue;
  }

  /** Every version DLQ of this ingress queue that exists now (for `npm run dlq`). */
  async deadLetterQueueUrls(): Promise<string[]> {
    return (await this.listWithPrefix(`${ingressBase(this.ingressQueueUrl)}-v-`)).filter((url) => url.endsWith('-dlq.fifo'));
  }

  /** Every version queue (not DLQ) of this ingress queue that exists now. */
  async queueUrls(): Promise<string[]> {
    return (await this.listWithPrefix(`${ingressBase(this.ingressQueueUrl)}-v-`)).filter((url) => !url.endsWith('-dlq.fifo'));
  }

  private async listWithPrefix(prefix: string): Promise<string[]> {
    const urls: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(new ListQueuesCommand({ QueueNamePrefix: prefix, NextToken, MaxResults: 1000 }));
      urls.push(...(page.QueueUrls ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    // An emulator may match the prefix loosely: keep exact prefixes only.
    return urls.filter((url) => url.slice(url.lastIndexOf('/') + 1).startsWith(prefix));
  }

  private async create(version: string): Promise<VersionQueue> {
    const base = versionQueueBase(this.ingressQueueUrl, version);
    const { Attributes: ingress } = await this.client.send(
      new GetQueueAttributesCommand({ QueueUrl: this.ingressQueueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    const dlqUrl = (await this.client.send(new CreateQueueCommand({ QueueName: `${base}-dlq.fifo`, Attributes: { FifoQueue: 'true' } }))).QueueUrl!;
    const { Attributes: dlq } = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    const queueUrl = (
      await this.client.send(
        new CreateQueueCommand({
          QueueName: `${base}.fifo`,
          Attributes: {
            FifoQueue: 'true',
            ContentBasedDeduplication: 'false',
            VisibilityTimeout: ingress?.VisibilityTimeout ?? '30',
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq!.QueueArn, maxReceiveCount: VERSION_QUEUE_MAX_RECEIVES }),
          },
        }),
      )
    ).QueueUrl!;
    const queue = { version, queueUrl, dlqUrl };
    await this.redis?.hset(this.registryKey(), version, JSON.stringify(queue));
    return queue;
  }
}
