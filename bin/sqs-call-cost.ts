import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import http from 'node:http';
import os from 'node:os';
import { startSqsEmulator } from '@orderflow/devstack/sqs-emulator';

/**
 * `node dist/bin/sqs-call-cost.js [calls] [--cache-middleware]`: the client-side CPU of one SQS
 * call on this machine, through the AWS SDK (as the workers make them) and as a bare keep-alive
 * HTTP POST of the same JSON body, against a fresh SQS emulator. The gap is what the SDK itself
 * costs per call (serialisation, signing, middleware, response parsing), which no batching below
 * 10 messages per call can remove. `--cache-middleware` sets the SDK's `cacheMiddleware` option,
 * as the apps' clients do (libs/messaging/src/sqs-client.ts); without it, the SDK's default, each
 * call builds its middleware chain anew.
 */
async function main(calls: number, cacheMiddleware: boolean): Promise<void> {
  const emulator = await startSqsEmulator({ logDir: os.tmpdir() });
  try {
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, cacheMiddleware });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `call-cost-${process.pid}` }));
    const entries = Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: JSON.stringify({ type: 'order.placed', payload: 'x'.repeat(600) }) }));
    const body = Buffer.from(JSON.stringify({ QueueUrl, Entries: entries }));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const { port } = new URL(emulator.endpoint);

    const bareSendBatch = () =>
      new Promise<void>((resolve, reject) => {
        const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessageBatch', 'content-length': body.length };
        const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers }, (response) => {
          response.resume().on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`bare POST answered ${response.statusCode}`))));
        });
        request.on('error', reject).end(body);
      });
    const sdkSendBatch = async () => void (await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries })));
    const sdkReceiveAndDelete = async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      if (Messages.length === 0) throw new Error('the queue ran dry: send more than you receive');
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    };

    // The two sends fill the queue that receive + delete then empties (2 calls per round).
    for (const [name, callsPerRound, call] of [
      ['bare HTTP POST (SendMessageBatch body)', 1, bareSendBatch],
      ['SDK SendMessageBatch, 10 messages', 1, sdkSendBatch],
      ['SDK ReceiveMessage + DeleteMessageBatch', 2, sdkReceiveAndDelete],
    ] as const) {
      for (let i = 0; i < Math.min(500, calls); i++) await call(); // warm-up: JIT, sockets
      const cpuBefore = process.cpuUsage();
      const startedAt = process.hrtime.bigint();
      for (let i = 0; i < calls; i++) await call();
      const cpu = process.cpuUsage(cpuBefore);
      const each = (us: number) => (us / (calls * callsPerRound)).toFixed(0);
      const wallUs = Number(process.hrtime.bigint() - startedAt) / 1000;
      process.stdout.write(`${name}: ${each(cpu.user + cpu.system)} µs CPU per call (user ${each(cpu.user)}, system ${each(cpu.system)}), ${each(wallUs)} µs wall\n`);
    }
    sqs.destroy();
    agent.destroy();
  } finally {
    await emulator.stop();
  }
}

const args = process.argv.slice(2);
main(Number(args.find((arg) => /^\d+$/.test(arg)) ?? 3_000), args.includes('--cache-middleware')).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
});
