import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eventually } from '../support/eventually';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { Client } from 'pg';
import { startLocalStack, type LocalStack } from '@orderflow/devstack/local-stack';
import { ensureQueues } from '@orderflow/devstack/queues';

async function sql<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function listeningPorts(): Set<number> {
  const out = execFileSync('ss', ['-ltnH'], { encoding: 'utf8' });
  return new Set(out.split('\n').filter(Boolean).map((line) => Number(line.trim().split(/\s+/)[3].split(':').pop())));
}

/** Processes whose command line or environment mentions any of `needles` (postgres data dir, redis/fauxqs port). */
function processesMentioning(needles: string[]): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const text = ['cmdline', 'environ'].map((f) => readFileSync(`/proc/${pid}/${f}`, 'latin1').replace(/\0/g, ' ')).join(' ');
      if (needles.some((n) => text.includes(n))) found.push(`${pid}: ${text.slice(0, 200)}`);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

const leftovers = (rootDir: string, ports: number[]) =>
  processesMentioning([rootDir, ...ports.map((p) => `127.0.0.1:${p}`), ...ports.map((p) => `FAUXQS_PORT=${p}`)]);

describe('local stack', () => {
  let rootDir: string;
  let stack: LocalStack;
  let ports: number[];

  beforeAll(async () => {
    rootDir = mkdtempSync(path.join(os.tmpdir(), 'devstack-'));
    const t0 = Date.now();
    stack = await startLocalStack({ rootDir });
    console.log(`local stack started in ${Date.now() - t0} ms`);
    ports = [stack.postgres.primaryPort, stack.postgres.replicaPort, stack.redis.port, stack.sqs.port];
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(rootDir, { recursive: true, force: true });
  });

  it('exposes every variable the apps need', () => {
    expect(Object.values(stack.env).every((v) => typeof v === 'string' && v.length > 0)).toBe(true);
    expect(stack.env.DATABASE_URL).toBe(`postgres://postgres@127.0.0.1:${stack.postgres.primaryPort}/orderflow`);
    expect(new Set(ports).size).toBe(4);
  });

  it('streams primary writes to a read-only replica, also across a primary restart', async () => {
    const { primaryUrl, replicaUrl } = stack.postgres;
    await sql(primaryUrl, 'CREATE TABLE probe (id int PRIMARY KEY, note text NOT NULL)');
    await sql(primaryUrl, "INSERT INTO probe VALUES (1, 'before restart')");
    await stack.postgres.waitForReplicaCatchUp();
    expect(await sql(replicaUrl, 'SELECT note FROM probe WHERE id = 1')).toEqual([{ note: 'before restart' }]);

    await expect(sql(replicaUrl, "INSERT INTO probe VALUES (2, 'on replica')")).rejects.toMatchObject({ code: '25006' });

    await stack.postgres.restartPrimary();
    await sql(primaryUrl, "INSERT INTO probe VALUES (3, 'after restart')");
    await stack.postgres.waitForReplicaCatchUp();
    expect(await sql(replicaUrl, 'SELECT id, note FROM probe ORDER BY id')).toEqual([
      { id: 1, note: 'before restart' },
      { id: 3, note: 'after restart' },
    ]);
  });

  it('keeps committed rows across an immediate (crash-like) primary stop', async () => {
    const { primaryUrl, replicaUrl } = stack.postgres;
    await sql(primaryUrl, "INSERT INTO probe VALUES (4, 'before crash')");
    await stack.postgres.stopPrimary('immediate');
    await stack.postgres.startPrimary();
    expect(await sql(primaryUrl, 'SELECT note FROM probe WHERE id = 4')).toEqual([{ note: 'before crash' }]);
    await stack.postgres.waitForReplicaCatchUp();
    expect(await sql(replicaUrl, 'SELECT note FROM probe WHERE id = 4')).toEqual([{ note: 'before crash' }]);
  });

  it('restarts Redis on the same port with empty data', async () => {
    const redis = new Redis(stack.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    await redis.set('probe', '1');
    redis.disconnect();

    await stack.redis.restart();

    const fresh = new Redis(stack.env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await fresh.connect();
    try {
      expect(await fresh.ping()).toBe('PONG');
      expect(await fresh.get('probe')).toBeNull();
    } finally {
      fresh.disconnect();
    }
  });

  it('sends and receives on the orders FIFO queue; queue creation is idempotent; the bucket exists', async () => {
    const { env } = stack;
    const aws = { endpoint: env.SQS_ENDPOINT, region: env.AWS_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    expect(await ensureQueues({ endpoint: env.SQS_ENDPOINT, region: env.AWS_REGION })).toEqual({
      ordersQueueUrl: env.ORDERS_QUEUE_URL,
      ordersDlqUrl: env.ORDERS_DLQ_URL,
      orderEventsQueueUrl: env.ORDER_EVENTS_QUEUE_URL,
    });

    const sqs = new SQSClient(aws);
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: env.ORDERS_QUEUE_URL,
          MessageBody: '{"orderId":"o-1"}',
          MessageGroupId: 'o-1',
          MessageDeduplicationId: 'o-1-created',
        }),
      );
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: env.ORDERS_QUEUE_URL, WaitTimeSeconds: 1 }));
      expect(Messages?.map((m) => m.Body)).toEqual(['{"orderId":"o-1"}']);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: env.ORDERS_QUEUE_URL, ReceiptHandle: Messages![0].ReceiptHandle }));
    } finally {
      sqs.destroy();
    }

    const s3 = new S3Client({ ...aws, endpoint: env.S3_ENDPOINT, forcePathStyle: true });
    try {
      await s3.send(new PutObjectCommand({ Bucket: env.REPORTS_BUCKET, Key: 'probe.txt', Body: 'hi' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: env.REPORTS_BUCKET, Key: 'probe.txt' }));
      expect(await got.Body!.transformToString()).toBe('hi');
    } finally {
      s3.destroy();
    }
  });

  it('re-creates queues with the same URLs when the SQS emulator restarts', async () => {
    await stack.sqs.restart();
    expect(await ensureQueues({ endpoint: stack.env.SQS_ENDPOINT, region: stack.env.AWS_REGION })).toMatchObject({
      ordersQueueUrl: stack.env.ORDERS_QUEUE_URL,
    });
  });

  it('stop() leaves no process and no listening port behind, and is idempotent', async () => {
    await stack.stop();
    await stack.stop();
    for (const port of ports) expect(await accepts(port)).toBe(false);
    const listening = listeningPorts();
    expect(ports.filter((p) => listening.has(p))).toEqual([]);
    expect(leftovers(rootDir, ports)).toEqual([]);
  });
});

describe('local stack started by a process that gets SIGKILLed', () => {
  it('is torn down by the orphan reaper', async () => {
    const rootDir = mkdtempSync(path.join(os.tmpdir(), 'devstack-orphan-'));
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures/start-stack-and-hang.js'), rootDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await Promise.race([
        once(child.stdout!, 'data'),
        once(child, 'exit').then(([code]) => Promise.reject(new Error(`fixture exited with code ${code}`))),
      ])) as [Buffer];
      const { ports } = JSON.parse(line.toString()) as { ports: number[] };
      for (const port of ports) expect(await accepts(port)).toBe(true);

      child.kill('SIGKILL');
      await eventually('every port closed', async () => !(await Promise.all(ports.map(accepts))).some(Boolean), 15_000, 100);
      for (const port of ports) expect(await accepts(port)).toBe(false);
      // A postmaster closes its socket first, then waits for its backends: wait for them to go.
      await eventually('no process of the stack left', async () => leftovers(rootDir, ports).length === 0, 15_000, 100);
      expect(leftovers(rootDir, ports)).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      rmSync(rootDir, { recursive: true, force: true });
    }
  });
});
