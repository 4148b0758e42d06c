import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { CSV_COLUMNS, ExportCounts, ExportFormat, encoder } from './export-encoders';
import { ExportRow } from './order-export.repository';

const row = (id: string, lineNo: number | null, overrides: Partial<ExportRow> = {}): ExportRow => ({
  id,
  customer_id: 'cust-1',
  client_order_id: `client-${id}`,
  order_number: 1,
  status: 'CONFIRMED',
  rejection_reason: null,
  currency: 'EUR',
  total_cents: '2599',
  shipping_address: '{"city": "Lyon"}',
  metadata: null,
  source: 'http',
  processed_by_version: '2.0.0',
  created_at: '2026-11-24T10:00:00.000Z',
  updated_at: '2026-11-24T10:00:00.000Z',
  line_no: lineNo,
  sku: lineNo === null ? null : `SKU-${lineNo}`,
  quantity: lineNo === null ? null : lineNo,
  unit_price_cents: lineNo === null ? null : '1250',
  ...overrides,
});

async function encode(format: ExportFormat, rows: ExportRow[]): Promise<{ text: string; counts: ExportCounts }> {
  const counts = { orders: 0, rows: 0 };
  let text = '';
  const collect = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  await pipeline([Readable.from(rows), ...encoder(format, counts), collect]);
  return { text, counts };
}

describe('export encoders', () => {
  it('writes one CSV record per item with the order repeated, CRLF-separated, nulls empty', async () => {
    const { text, counts } = await encode('csv', [row('a', 1), row('a', 2), row('b', 1, { rejection_reason: 'CURRENCY_MISMATCH' })]);
    expect(counts).toEqual({ orders: 2, rows: 3 });
    expect(text.split('\r\n')[0]).toBe(CSV_COLUMNS.join(','));
    const records: Array<Record<string, string>> = parse(text, { columns: true });
    expect(records).toHaveLength(3);
    expect(records[1]).toMatchObject({ id: 'a', lineNo: '2', sku: 'SKU-2', shippingAddress: '{"city": "Lyon"}', metadata: '', rejectionReason: '' });
    expect(records[2].rejectionReason).toBe('CURRENCY_MISMATCH');
  });

  it('exports the version that processed each order, empty (CSV) or null (JSON lines) for orders from before', async () => {
    const rows = [row('a', 1), row('b', 1, { processed_by_version: null })];
    const csv: Array<Record<string, string>> = parse((await encode('csv', rows)).text, { columns: true });
    expect(csv.map((r) => r.processedByVersion)).toEqual(['2.0.0', '']);
    const lines = (await encode('jsonl', rows)).text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => l.processedByVersion)).toEqual(['2.0.0', null]);
  });

  it('quotes every field that holds a comma, a quote, CR or LF, so that values read back identical', async () => {
    const hostile = ['a,b', 'say "hi"', 'line\nfeed', 'cr\ronly', 'crlf\r\nboth', ' spaced ', 'ünïcödé 🧾'];
    const { text } = await encode('csv', hostile.map((value, n) => row(`o${n}`, 1, { sku: value, client_order_id: value })));
    const records: Array<Record<string, string>> = parse(text, { columns: true });
    expect(records.map((r) => r.sku)).toEqual(hostile);
    expect(records.map((r) => r.clientOrderId)).toEqual(hostile);
  });

  it('writes one JSON line per order, shaped like the API order, its items in line order', async () => {
    const { text, counts } = await encode('jsonl', [row('a', 1), row('a', 2), row('b', null, { metadata: '{"n": 1}' })]);
    expect(counts).toEqual({ orders: 2, rows: 2 });
    const [a, b] = text.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(Object.keys(a)).toEqual([
      'id', 'customerId', 'clientOrderId', 'orderNumber', 'status', 'rejectionReason', 'currency', 'totalCents',
      'items', 'shippingAddress', 'metadata', 'source', 'processedByVersion', 'createdAt', 'updatedAt',
    ]);
    expect(a).toMatchObject({
      id: 'a',
      totalCents: 2599,
      items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 1250 }, { sku: 'SKU-2', quantity: 2, unitPriceCents: 1250 }],
      shippingAddress: { city: 'Lyon' },
      metadata: null,
    });
    expect(b).toMatchObject({ id: 'b', items: [], metadata: { n: 1 } });
  });
});
