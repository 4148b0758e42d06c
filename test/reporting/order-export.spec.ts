import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parse as parseSync } from 'csv-parse/sync';
import { CSV_COLUMNS } from '@orderflow/reporting/export-encoders';
import { startTestStack, TestStack } from '../support/test-stack';
import { ApiInstance, startApiInstance } from '../support/api-instance';
import { httpClient } from '../support/http-client';
import { eventually } from '../support/eventually';
import { buildExporter, reportingReplicaUrl, seedOrders } from './reporting-support';

const execFileAsync = promisify(execFile);
const SEEDED_ORDERS = 200_000;
const RANGE = { from: '2026-10-01', to: '2026-10-28' };
const HOSTILE_DAY = '2025-06-15';
const MAX_PEAK_RSS_MB = 200;

interface ExportRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe('order export (npm run report:export)', () => {
  let stack: TestStack;
  let exporter: string;
  let workDir: string;
  let s3: S3Client;

  beforeAll(async () => {
    exporter = buildExporter();
    stack = await startTestStack();
    workDir = mkdtempSync(join(tmpdir(), 'orderflow-export-'));
    s3 = new S3Client({ endpoint: stack.env.S3_ENDPOINT, region: stack.env.AWS_REGION, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await seedOrders(stack.env.DATABASE_URL, { prefix: 'bulk', orders: SEEDED_ORDERS, customers: 20_000, start: `${RANGE.from}T00:00:00Z`, days: 28, maxLines: 2 });
    // Just outside the range on both sides: must not be exported.
    await seedOrders(stack.env.DATABASE_URL, { prefix: 'before', orders: 100, customers: 10, start: '2026-09-30T00:00:00Z', days: 1 });
    await seedOrders(stack.env.DATABASE_URL, { prefix: 'after', orders: 100, customers: 10, start: '2026-10-29T00:00:00Z', days: 1 });
    await stack.postgres.waitForReplicaCatchUp(60_000);
  });

  afterAll(async () => {
    s3?.destroy();
    await stack?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /** The exporter as a child process, configured with the replica (as the reporting role) and S3 only. */
  function startExport(args: string[]): { child: ChildProcess; done: Promise<ExportRun>; output: () => string } {
    const child = spawn(process.execPath, [exporter, ...args], {
      env: {
        PATH: process.env.PATH,
        DATABASE_REPLICA_URL: reportingReplicaUrl(stack),
        S3_ENDPOINT: stack.env.S3_ENDPOINT,
        AWS_REGION: stack.env.AWS_REGION,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        REPORTS_BUCKET: stack.env.REPORTS_BUCKET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const done = new Promise<ExportRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
    return { child, done, output: () => stderr };
  }

  const runExport = (args: string[]) => startExport(args).done;

  /** Every field of every exported row, as PostgreSQL writes it, summed as 60-bit hashes: order-independent. */
  async function primaryChecksum(from: string, to: string): Promise<{ rows: number; orders: number; checksum: string }> {
    const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    const [result] = await stack.db.query(
      `SELECT count(*)::int AS rows, count(DISTINCT o.id)::int AS orders,
              sum(('x' || substr(md5(concat_ws(chr(31),
                o.id::text, o.customer_id, o.client_order_id, o.order_number::text, o.status, coalesce(o.rejection_reason, ''),
                o.currency, o.total_cents::text, coalesce(o.shipping_address::text, ''), coalesce(o.metadata::text, ''), o.source,
                ${iso('o.created_at')}, ${iso('o.updated_at')}, coalesce(i.line_no::text, ''), coalesce(i.sku, ''),
                coalesce(i.quantity::text, ''), coalesce(i.unit_price_cents::text, ''), coalesce(o.processed_by_version, ''))), 1, 15))::bit(60)::bigint::numeric)::text AS checksum
       FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
       WHERE o.created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC' AND o.created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'`,
      [from, to],
    );
    return result;
  }

  /** The same checksum over a CSV file, read back by csv-parse in a plain Node process (csv-checksum.js). */
  async function csvChecksum(file: string): Promise<{ rows: number; orders: number; checksum: string }> {
    const { stdout } = await execFileAsync(process.execPath, [join(__dirname, 'csv-checksum.js'), file], { maxBuffer: 1024 * 1024 });
    const { header, outOfOrder, ...summary } = JSON.parse(stdout);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(outOfOrder).toBe(0); // ordered by creation time, each order's lines together
    return summary;
  }

  it('exports 200,000 orders as CSV whose rows and content match the database, in under 200 MB of memory', async () => {
    const file = join(workDir, 'orders.csv');
    const run = await runExport(['--from', RANGE.from, '--to', RANGE.to, '--format', 'csv', '--out', file]);
    expect(run.stderr).toContain(`exporting ${SEEDED_ORDERS} orders`);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/progress: \d+\/200000 orders/); // plain lines, not a bar: stderr is not a terminal

    const expected = await primaryChecksum(RANGE.from, RANGE.to);
    expect(expected.orders).toBe(SEEDED_ORDERS);
    const summary = /exported (\d+) rows \((\d+) orders\) to (.+) in ([\d.]+) s: (\d+) rows\/s, peak RSS ([\d.]+) MB/.exec(run.stdout);
    expect(summary).not.toBeNull();
    const [, rows, orders, destination, seconds, rate, peakRssMb] = summary!;
    expect({ rows: Number(rows), orders: Number(orders), destination }).toEqual({ rows: expected.rows, orders: SEEDED_ORDERS, destination: file });
    expect(await csvChecksum(file)).toEqual(expected);
    // Measured by the exporter itself (getrusage maxRSS: the kernel's high-water mark for the process).
    expect(Number(peakRssMb)).toBeLessThan(MAX_PEAK_RSS_MB);
    process.stdout.write(`[export measurement] ${rows} rows, ${orders} orders in ${seconds} s = ${rate} rows/s, peak RSS ${peakRssMb} MB\n`);
  });

  it('exports as JSON lines exactly the orders the API returns, and as CSV the same fields', async () => {
    const api: ApiInstance = await startApiInstance(stack.config());
    try {
      const client = httpClient(api.url, await stack.createKey(['orders:write', 'orders:read']));
      const placed = [];
      for (let n = 0; n < 3; n++) {
        const result = await client('POST', '/v1/orders', {
          customerId: `api-${n % 2}`,
          clientOrderId: `o-${randomUUID()}`,
          currency: 'EUR',
          items: [
            { sku: 'SKU-1', quantity: n + 1, unitPriceCents: 1250 },
            { sku: 'SKU-2', quantity: 1, unitPriceCents: 99 },
          ],
          shippingAddress: n === 0 ? null : { line1: `${n} Rue "Neuve", Bât. B`, city: 'Genève', lines: ['a', 'b'] },
          metadata: n === 2 ? { note: 'multi\nline, "quoted"' } : undefined,
        });
        expect(result.status).toBe(201);
        placed.push(result.body);
      }
      expect((await client('POST', `/v1/orders/${placed[1].id}/cancel`)).status).toBe(200);
      const stored = await Promise.all(placed.map(async (o) => (await client('GET', `/v1/orders/${o.id}`)).body));
      await stack.postgres.waitForReplicaCatchUp();

      const today = new Date().toISOString().slice(0, 10);
      const jsonl = join(workDir, 'today.jsonl');
      const run = await runExport(['--from', today, '--to', today, '--format', 'jsonl', '--out', jsonl]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('exported 3 rows (3 orders)');
      const lines = readFileSync(jsonl, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(lines).toEqual(stored);

      const csv = join(workDir, 'today.csv');
      expect((await runExport(['--from', today, '--to', today, '--out', csv])).code).toBe(0);
      const records: Record<string, string>[] = parseSync(readFileSync(csv), { columns: true });
      expect(records).toHaveLength(6);
      const expectedRecords = stored.flatMap((order: any) =>
        order.items.map((item: any, index: number) => ({
          id: order.id,
          customerId: order.customerId,
          clientOrderId: order.clientOrderId,
          orderNumber: String(order.orderNumber),
          status: order.status,
          rejectionReason: order.rejectionReason ?? '',
          currency: order.currency,
          totalCents: String(order.totalCents),
          shippingAddress: order.shippingAddress === null ? '' : expect.any(String),
          metadata: order.metadata === null ? '' : expect.any(String),
          source: order.source,
          createdAt: order.createdAt,
          updatedAt: order.updatedAt,
          lineNo: String(index + 1),
          sku: item.sku,
          quantity: String(item.quantity),
          unitPriceCents: String(item.unitPriceCents),
          processedByVersion: order.processedByVersion ?? '',
        })),
      );
      expect(records).toEqual(expectedRecords);
      records.forEach((record, index) => {
        const order = stored[Math.floor(index / 2)];
        if (record.shippingAddress) expect(JSON.parse(record.shippingAddress)).toEqual(order.shippingAddress);
        if (record.metadata) expect(JSON.parse(record.metadata)).toEqual(order.metadata);
      });
    } finally {
      await api.close();
    }
  });

  it('writes CSV that reads back identical whatever the values hold: quotes, commas, newlines, unicode', async () => {
    const hostile = [
      'comma, inside',
      'quote " inside and ""doubled""',
      'line\nfeed',
      'carriage\rreturn and CRLF\r\nhere',
      '"starts and ends with quotes"',
      '  leading and trailing spaces  ',
      'unicode: Zürich, 東京, עברית, emoji 🧾👍🏽, combining é',
      '=SUM(A1:A2)',
      '',
    ];
    const ids: string[] = [];
    for (const [n, value] of hostile.entries()) {
      const id = randomUUID();
      ids.push(id);
      await stack.db.query(`INSERT INTO customers (id, currency) VALUES ($1, 'EUR') ON CONFLICT DO NOTHING`, [`hostile,"${n}"\n`]);
      await stack.db.query(
        `INSERT INTO orders (id, customer_id, client_order_id, order_number, status, currency, total_cents, shipping_address, metadata,
                             source, request_hash, created_at, updated_at)
         VALUES ($1, $2, $3, 1, 'CONFIRMED', 'EUR', 100, $4, $5, 'http', repeat('0', 64), $6, $6)`,
        [id, `hostile,"${n}"\n`, value || 'x', JSON.stringify({ line1: value }), JSON.stringify({ [value]: value }), `${HOSTILE_DAY}T12:00:0${n}Z`],
      );
      await stack.db.query(`INSERT INTO order_items VALUES ($1, 1, $2, 1, 100)`, [id, value]);
    }
    await stack.postgres.waitForReplicaCatchUp();

    const file = join(workDir, 'hostile.csv');
    expect((await runExport(['--from', HOSTILE_DAY, '--to', HOSTILE_DAY, '--out', file])).code).toBe(0);
    const bytes = readFileSync(file);
    expect(bytes.toString('utf8')).toMatch(/^id,customerId,.*\r\n/); // RFC 4180: CRLF between records
    const records: Record<string, string>[] = parseSync(bytes, { columns: true });
    expect(records.map((r) => r.id)).toEqual(ids);
    records.forEach((record, n) => {
      expect(record.customerId).toBe(`hostile,"${n}"\n`);
      expect(record.clientOrderId).toBe(hostile[n] || 'x');
      expect(record.sku).toBe(hostile[n]);
      expect(JSON.parse(record.shippingAddress)).toEqual({ line1: hostile[n] });
      expect(JSON.parse(record.metadata)).toEqual({ [hostile[n]]: hostile[n] });
    });

    // The same export through S3 (the emulator) is byte for byte the file.
    const key = `orders/hostile-${randomUUID()}.csv`;
    const run = await runExport(['--from', HOSTILE_DAY, '--to', HOSTILE_DAY, '--out', `s3://${stack.env.REPORTS_BUCKET}/${key}`]);
    expect(run.code).toBe(0);
    const object = await s3.send(new GetObjectCommand({ Bucket: stack.env.REPORTS_BUCKET, Key: key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });

  it('uploads to the reports bucket by default', async () => {
    const run = await runExport(['--from', HOSTILE_DAY, '--to', HOSTILE_DAY, '--format', 'jsonl']);
    expect(run.code).toBe(0);
    const key = `orders/orders_${HOSTILE_DAY}_${HOSTILE_DAY}.jsonl`;
    expect(run.stdout).toContain(`to s3://${stack.env.REPORTS_BUCKET}/${key}`);
    await expect(s3.send(new HeadObjectCommand({ Bucket: stack.env.REPORTS_BUCKET, Key: key }))).resolves.toBeDefined();
  });

  describe('an interrupted export leaves nothing under the final name', () => {
    /** Starts the 200,000-order export and interrupts it once it has written part of it. */
    async function interrupted(out: string, signal: NodeJS.Signals): Promise<ExportRun> {
      const { child, done, output } = startExport(['--from', RANGE.from, '--to', RANGE.to, '--out', out]);
      await eventually('the export to report progress', async () => /progress: /.test(output()) || child.exitCode !== null, 120_000, 20);
      child.kill(signal);
      return done;
    }

    const objectsUnder = async (prefix: string) =>
      (await s3.send(new ListObjectsV2Command({ Bucket: stack.env.REPORTS_BUCKET, Prefix: prefix }))).KeyCount ?? 0;

    it('S3, stopped with SIGTERM: the multipart upload is aborted', async () => {
      const key = `orders/interrupted-${randomUUID()}.csv`;
      const run = await interrupted(`s3://${stack.env.REPORTS_BUCKET}/${key}`, 'SIGTERM');
      expect(run.code).toBe(143);
      expect(run.stderr).toContain('export interrupted by SIGTERM');
      await expect(s3.send(new HeadObjectCommand({ Bucket: stack.env.REPORTS_BUCKET, Key: key }))).rejects.toMatchObject({ name: 'NotFound' });
      expect(await objectsUnder(key)).toBe(0);
    });

    it('S3, killed outright: an uncompleted multipart upload is no object', async () => {
      const key = `orders/killed-${randomUUID()}.csv`;
      const run = await interrupted(`s3://${stack.env.REPORTS_BUCKET}/${key}`, 'SIGKILL');
      expect(run.signal).toBe('SIGKILL');
      expect(await objectsUnder(key)).toBe(0);
    });

    it('file, stopped with Ctrl-C (SIGINT): no file under the final name, and the partial one removed', async () => {
      const stopped = join(workDir, 'stopped.csv');
      expect((await interrupted(stopped, 'SIGINT')).code).toBe(130);
      expect(existsSync(stopped)).toBe(false);
      expect(readdirSync(workDir).filter((name) => name.includes('stopped.csv'))).toEqual([]);
    });
  });
});
