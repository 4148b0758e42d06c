import { createHash } from 'node:crypto';
import os from 'node:os';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AppConfig } from '@orderflow/config/app-config';
import { startSqsEmulator, SqsEmulator } from '@orderflow/devstack/sqs-emulator';
import { createSqsClient } from '@orderflow/messaging/sqs-client';
import { metricsRegistry } from '@orderflow/observability/metrics';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

async function callsOf(operation: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('orderflow_sqs_requests_total')!.get();
  return metric.values.find((v) => v.labels.operation === operation)?.value ?? 0;
}

/**
 * The apps' SQS client caches each command's middleware chain (`cacheMiddleware`): one handler,
 * and one handler context, per command class, shared by every call of it. The workers make many
 * calls of one command at once (receives on several queues, deletes, sends), so each concurrent
 * call must still get its own request and its own answer, checked here against a real emulator.
 */
describe('the apps’ SQS client', () => {
  let emulator: SqsEmulator;
  let client: SQSClient;

  beforeAll(async () => {
    emulator = await startSqsEmulator({ logDir: os.tmpdir() });
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    client = createSqsClient({ aws: { region: 'us-east-1', sqsEndpoint: emulator.endpoint } } as AppConfig);
  });

  afterAll(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  it('keeps concurrent calls of one command apart with its middleware cached: sends, receives and deletes on four queues at once', async () => {
    expect(client.config.cacheMiddleware).toBe(true);
    const queues = await Promise.all([0, 1, 2, 3].map(async (q) => (await client.send(new CreateQueueCommand({ QueueName: `client-${process.pid}-${q}` }))).QueueUrl!));
    const sendsBefore = await callsOf('SendMessageBatch');

    // 40 batches of 10 at once, each queue's bodies its own and of varied length.
    const batches = Array.from({ length: 40 }, (_, b) => ({
      queueUrl: queues[b % 4],
      entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `q${b % 4}-b${b}-m${i}-${'x'.repeat(b * 10 + i)}` })),
    }));
    const answers = await Promise.all(batches.map((batch) => client.send(new SendMessageBatchCommand({ QueueUrl: batch.queueUrl, Entries: batch.entries }))));
    answers.forEach((answer, b) => {
      expect(answer.Failed ?? []).toEqual([]);
      const digests = new Map(answer.Successful!.map((entry) => [entry.Id, entry.MD5OfMessageBody]));
      expect(batches[b].entries.map((entry) => digests.get(entry.Id))).toEqual(batches[b].entries.map((entry) => md5(entry.MessageBody)));
    });
    expect((await callsOf('SendMessageBatch')) - sendsBefore).toBe(40);

    // Receive and delete on all four queues at once until each has given back exactly its own.
    const received = await Promise.all(
      queues.map(async (queueUrl, q) => {
        const bodies: string[] = [];
        while (bodies.length < 100) {
          const readers = await Promise.all(
            [1, 2, 3].map(() => client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }))),
          );
          const messages: Message[] = readers.flatMap((answer) => answer.Messages ?? []);
          for (const message of messages) expect(message.MD5OfBody).toBe(md5(message.Body!));
          bodies.push(...messages.map((message) => message.Body!));
          const deletes = await Promise.all(
            chunks(messages, 10).map((chunk) =>
              client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) })),
            ),
          );
          for (const answer of deletes) expect(answer.Failed ?? []).toEqual([]);
        }
        return { q, bodies };
      }),
    );
    for (const { q, bodies } of received) {
      const sent = batches.filter((_, b) => b % 4 === q).flatMap((batch) => batch.entries.map((entry) => entry.MessageBody));
      expect([...bodies].sort()).toEqual([...sent].sort());
    }
    const left = await Promise.all(
      queues.map(async (queueUrl) => {
        const { Attributes } = await client.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
        );
        return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
      }),
    );
    expect(left).toEqual([0, 0, 0, 0]);
  });
});

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
