import os from 'node:os';
import { CreateQueueCommand, DeleteMessageBatchCommand, Message, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsEmulator, SqsEmulator } from '@orderflow/devstack/sqs-emulator';
import { ReceiveLoop } from '@orderflow/messaging/receive-loop';
import { eventually } from '../support/eventually';

/**
 * The receive loop's pollers follow the backlog, against a real emulator: once a receive comes
 * back short, one poller polls; a full receive brings the others back, and every message is
 * handed out once.
 */
describe('ReceiveLoop pollers', () => {
  let emulator: SqsEmulator;
  let client: SQSClient;
  /** ReceiveMessage calls running now, the most seen at once since the last reset, and completed. */
  const receives = { running: 0, most: 0, done: 0 };

  beforeAll(async () => {
    emulator = await startSqsEmulator({ logDir: os.tmpdir() });
    client = new SQSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'ReceiveMessageCommand') return next(args);
        receives.most = Math.max(receives.most, ++receives.running);
        try {
          return await next(args);
        } finally {
          receives.running--;
          receives.done++;
        }
      },
      { step: 'initialize', name: 'receiveCounter' },
    );
  });

  afterAll(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  it('polls with one poller while caught up and with all of them while a backlog waits', async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: `pollers-${process.pid}`, Attributes: { VisibilityTimeout: '60' } }));
    const received: Message[] = [];
    const errors: string[] = [];
    const loop = new ReceiveLoop({
      client,
      queueUrl: QueueUrl!,
      pollers: 4,
      waitTimeSeconds: 1,
      hasRoom: () => true,
      pauseMs: () => 0,
      onMessages: (messages) => {
        received.push(...messages);
        void client.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      },
      onError: (message) => errors.push(message),
    });
    loop.start();
    try {
      // An empty queue: the four first polls come back empty, then one poller polls, one poll at a time.
      await eventually('the first polls back', async () => receives.done >= 4, 10_000, 20);
      receives.most = receives.running;
      const idleFrom = receives.done;
      await eventually('three more idle polls', async () => receives.done >= idleFrom + 3, 10_000, 20);
      expect(receives.most).toBe(1);

      // A backlog: full receives bring every poller back.
      const bodies = Array.from({ length: 400 }, (_, i) => `order-${i}`);
      await Promise.all(
        Array.from({ length: bodies.length / 10 }, (_, b) =>
          client.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.slice(b * 10, b * 10 + 10).map((body, j) => ({ Id: String(j), MessageBody: body })) })),
        ),
      );
      await eventually('every message received', async () => received.length >= bodies.length, 20_000, 20);
      expect(receives.most).toBeGreaterThan(1);
      expect(received.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    } finally {
      await loop.stop();
    }
    expect(received).toHaveLength(400);
    expect(errors).toEqual([]);
  });
});
