import { DeleteMessageBatchCommand, Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@nestjs/common';
import { PermanentMessageError, SqsTransport } from './sqs.transport';
import { SqsContext } from './sqs-context';
import { DecodedMessage } from './message-decoder';
import { eventually } from '../../../test/support/eventually';

/** A deferred value, to drive the stub client step by step without sleeping. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * A stub SQS client, as sqs-consumer's tests use: each ReceiveMessage waits for the test to
 * answer it; every other call is recorded.
 */
class StubSqs {
  readonly calls: Array<{ name: string; input: Record<string, any> }> = [];
  readonly receives: Array<{ answer: (messages: Message[]) => void; aborted: boolean }> = [];
  private receiveWaiters: Array<() => void> = [];

  readonly client = {
    send: async (command: { input: Record<string, any> }, options?: { abortSignal?: AbortSignal }) => {
      const name = command.constructor.name;
      if (command instanceof ReceiveMessageCommand) {
        const answer = deferred<Message[]>();
        const entry = { answer: answer.resolve, aborted: false };
        options?.abortSignal?.addEventListener('abort', () => (entry.aborted = true));
        this.receives.push(entry);
        this.receiveWaiters.splice(0).forEach((wake) => wake());
        return { Messages: await answer.promise };
      }
      this.calls.push({ name, input: command.input });
      if (command instanceof DeleteMessageBatchCommand) return { Successful: command.input.Entries!.map((e) => ({ Id: e.Id })), Failed: [] };
      return {};
    },
  } as unknown as SQSClient;

  /** Waits until `count` receives have been issued in all. */
  async receivesIssued(count: number): Promise<void> {
    while (this.receives.length < count) await new Promise<void>((wake) => this.receiveWaiters.push(wake));
  }

  named(name: string) {
    return this.calls.filter((call) => call.name === name);
  }
}

let sequence = 0;
function message(body: string, group: string): Message {
  sequence++;
  return {
    MessageId: `m-${sequence}`,
    ReceiptHandle: `rh-${sequence}`,
    Body: body,
    Attributes: { MessageGroupId: group, SequenceNumber: String(sequence).padStart(20, '0'), ApproximateReceiveCount: '1' },
    MessageAttributes: { correlationId: { DataType: 'String', StringValue: `corr-${sequence}` } },
  };
}

/** Bodies are `pattern:value`; `!` makes a body undecodable. */
function decode(body: string | undefined): DecodedMessage<string> {
  if (!body || body.startsWith('!')) return { ok: false, reason: 'INVALID_BODY', detail: `cannot read ${body}` };
  const [pattern, value] = body.split(':');
  return { ok: true, pattern, payload: value };
}

describe('SqsTransport (stub client)', () => {
  let sqs: StubSqs;
  let transport: SqsTransport<string>;

  beforeAll(() => Logger.overrideLogger(false));

  const start = async (options: Partial<ConstructorParameters<typeof SqsTransport<string>>[0]> = {}) => {
    sqs = new StubSqs();
    transport = new SqsTransport<string>({
      client: sqs.client,
      queueUrl: 'q.fifo',
      dlqUrl: 'dlq.fifo',
      decode,
      pollers: 1,
      waitTimeSeconds: 20,
      visibilityTimeoutSeconds: 30,
      retryDelaysMs: [1],
      ...options,
    });
    await new Promise<void>((done, fail) => transport.listen((error) => (error ? fail(error) : done())));
    await sqs.receivesIssued(1);
  };

  afterEach(async () => {
    const drain = transport.drain();
    // Answer any receive still running so that the drain can end.
    for (const receive of sqs.receives) receive.answer([]);
    await drain;
  });

  it('hands the payload and an SqsContext to the handler of the pattern, then deletes the message', async () => {
    const seen: Array<{ payload: string; id: string; corr?: string; count: number }> = [];
    const handled = deferred<void>();
    await start();
    transport.addHandler('greet', async (payload: string, context: SqsContext) => {
      seen.push({ payload, id: context.messageId, corr: context.attribute('correlationId'), count: context.receiveCount });
      handled.resolve();
    });
    const sent = message('greet:hello', 'g1');
    sqs.receives[0].answer([sent]);
    await handled.promise;
    await sqs.receivesIssued(2);
    await waitFor(() => sqs.named('DeleteMessageBatchCommand').length === 1);
    expect(seen).toEqual([{ payload: 'hello', id: sent.MessageId, corr: `corr-${sequence}`, count: 1 }]);
    expect(sqs.named('DeleteMessageBatchCommand')[0].input.Entries).toEqual([{ Id: '0', ReceiptHandle: sent.ReceiptHandle }]);
  });

  it('dead-letters an undecodable message and a permanent failure at once, with their reasons', async () => {
    await start();
    transport.addHandler('fail', async () => {
      throw new PermanentMessageError('NEVER', 'cannot ever work');
    });
    sqs.receives[0].answer([message('!garbage', 'g1'), message('fail:x', 'g2'), message('nobody:x', 'g3')]);
    await waitFor(() => sqs.named('SendMessageCommand').length === 3);
    const reasons = sqs.named('SendMessageCommand').map((call) => call.input.MessageAttributes.dlqReason.StringValue).sort();
    expect(reasons).toEqual(['INVALID_BODY', 'NEVER', 'UNKNOWN_TYPE']);
    expect(sqs.named('SendMessageCommand').every((call) => call.input.QueueUrl === 'dlq.fifo')).toBe(true);
    await waitFor(() => sqs.named('DeleteMessageBatchCommand').flatMap((call) => call.input.Entries).length === 3);
  });

  it('retries a transient failure in-process, then releases the message with a backoff and skips the rest of its group', async () => {
    let attempts = 0;
    const ran: string[] = [];
    await start({ isTransient: () => true, backoffBaseSeconds: 7 });
    transport.addHandler('work', async (payload: string) => {
      ran.push(payload);
      if (payload === 'flaky') {
        attempts++;
        throw new Error('database blip');
      }
    });
    sqs.receives[0].answer([message('work:flaky', 'g1'), message('work:after', 'g1'), message('work:other', 'g2')]);
    await waitFor(() => sqs.named('ChangeMessageVisibilityCommand').length === 2);
    // One in-process retry (retryDelaysMs [1]), then released for 7 s; its follower released at once, unrun.
    expect(attempts).toBe(2);
    expect(ran.filter((p) => p === 'after')).toEqual([]);
    expect(ran).toContain('other');
    expect(sqs.named('ChangeMessageVisibilityCommand').map((call) => call.input.VisibilityTimeout)).toEqual([7, 0]);
  });

  it('deletes in batches: 10 at once, the rest held for the linger and sent at once when the transport drains', async () => {
    let handled = 0;
    await start({ deleteLingerMs: 60_000, maxConcurrency: 10 });
    transport.addHandler('greet', async () => void handled++);
    sqs.receives[0].answer(Array.from({ length: 13 }, (_, i) => message(`greet:${i}`, `g${i}`)));
    await waitFor(() => handled === 13 && sqs.named('DeleteMessageBatchCommand').length === 1);
    expect(sqs.named('DeleteMessageBatchCommand')[0].input.Entries).toHaveLength(10);
    // The other three wait for company (a minute here) until the drain sends them at once.
    await new Promise((next) => setImmediate(next));
    expect(sqs.named('DeleteMessageBatchCommand')).toHaveLength(1);
    const drain = transport.drain();
    for (const receive of sqs.receives) receive.answer([]);
    await drain;
    expect(sqs.named('DeleteMessageBatchCommand').map((call) => call.input.Entries.length)).toEqual([10, 3]);
  });

  it('runs one key’s messages one after another and other keys meanwhile', async () => {
    const firstOfA = deferred<void>();
    const order: string[] = [];
    await start();
    transport.addHandler('work', async (payload: string) => {
      order.push(`start ${payload}`);
      if (payload === 'a1') await firstOfA.promise;
      order.push(`end ${payload}`);
    });
    sqs.receives[0].answer([message('work:a1', 'A'), message('work:a2', 'A'), message('work:b1', 'B')]);
    await waitFor(() => order.includes('end b1'));
    expect(order).not.toContain('start a2');
    firstOfA.resolve();
    await waitFor(() => order.includes('end a2'));
    expect(order.indexOf('end a1')).toBeLessThan(order.indexOf('start a2'));
  });

  it('on drain lets a running receive finish instead of aborting it, and releases what it returns at once', async () => {
    const handled: string[] = [];
    await start();
    transport.addHandler('work', async (payload: string) => void handled.push(payload));
    const drain = transport.drain();
    expect(sqs.receives[0].aborted).toBe(false);
    const late = message('work:late', 'g1');
    sqs.receives[0].answer([late]);
    await drain;
    expect(handled).toEqual([]);
    const releases = sqs.named('ChangeMessageVisibilityBatchCommand');
    expect(releases).toHaveLength(1);
    expect(releases[0].input.Entries).toEqual([{ Id: '0', ReceiptHandle: late.ReceiptHandle, VisibilityTimeout: 0 }]);
    // No receive is started once draining.
    expect(sqs.receives).toHaveLength(1);
  });

  it('on drain lets running messages finish within the grace period and releases those that do not', async () => {
    const never = deferred<void>();
    await start({ shutdownGraceMs: 50 });
    transport.addHandler('work', async () => never.promise);
    const stuck = message('work:stuck', 'g1');
    sqs.receives[0].answer([stuck]);
    await sqs.receivesIssued(2);
    const drain = transport.drain();
    sqs.receives[1].answer([]);
    await drain;
    const releases = sqs.named('ChangeMessageVisibilityBatchCommand');
    expect(releases.map((call) => call.input.Entries)).toEqual([[{ Id: '0', ReceiptHandle: stuck.ReceiptHandle, VisibilityTimeout: 0 }]]);
    never.resolve();
  });
});

/** Polls a condition of the transport's own asynchronous work (microtasks and timers of ms). */
function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  return eventually('the transport to get there', async () => condition(), timeoutMs, 1);
}
