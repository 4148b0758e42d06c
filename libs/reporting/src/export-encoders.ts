import { Transform, TransformCallback } from 'node:stream';
import { stringify } from 'csv-stringify';
import { ExportRow } from './order-export.repository';

export type ExportFormat = 'csv' | 'jsonl';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'jsonl'];

/** What has gone through the encoder so far; read by the progress display. */
export interface ExportCounts {
  orders: number;
  /** Lines written: one per item in CSV (header excluded), one per order in JSONL. */
  rows: number;
}

/**
 * The CSV columns: every field of the order JSON, then the item's. shippingAddress and metadata are
 * JSON text; null is an empty field.
 */
export const CSV_COLUMNS = [
  'id',
  'customerId',
  'clientOrderId',
  'orderNumber',
  'status',
  'rejectionReason',
  'currency',
  'totalCents',
  'shippingAddress',
  'metadata',
  'source',
  'createdAt',
  'updatedAt',
  'lineNo',
  'sku',
  'quantity',
  'unitPriceCents',
  // Added after the first exports: last, so that readers by position keep working.
  'processedByVersion',
] as const;

/** ExportRow objects in, encoded text out. The returned transforms run in sequence. */
export function encoder(format: ExportFormat, counts: ExportCounts): Transform[] {
  return format === 'csv' ? [new CsvRecords(counts), csvText()] : [new JsonLines(counts)];
}

/**
 * RFC 4180: CRLF between records, fields holding a comma, a quote, CR or LF are quoted and their
 * quotes doubled. csv-stringify only quotes on the whole record delimiter, so a lone LF or CR
 * is matched explicitly.
 */
function csvText(): Transform {
  return stringify({ header: true, columns: [...CSV_COLUMNS], record_delimiter: '\r\n', quoted_match: /[\r\n]/, eof: true });
}

/** One CSV record (an array in CSV_COLUMNS order) per item line. */
class CsvRecords extends Transform {
  private lastOrderId: string | null = null;

  constructor(private readonly counts: ExportCounts) {
    super({ objectMode: true });
  }

  override _transform(row: ExportRow, _encoding: BufferEncoding, done: TransformCallback): void {
    if (row.id !== this.lastOrderId) {
      this.lastOrderId = row.id;
      this.counts.orders++;
    }
    this.counts.rows++;
    done(null, [
      row.id,
      row.customer_id,
      row.client_order_id,
      row.order_number,
      row.status,
      row.rejection_reason,
      row.currency,
      row.total_cents,
      row.shipping_address,
      row.metadata,
      row.source,
      row.created_at,
      row.updated_at,
      row.line_no,
      row.sku,
      row.quantity,
      row.unit_price_cents,
      row.processed_by_version,
    ]);
  }
}

/** One JSON object per line per order, shaped like the API's order (items in line order). */
class JsonLines extends Transform {
  private current: { row: ExportRow; items: Array<{ sku: string; quantity: number; unitPriceCents: number }> } | null = null;

  constructor(private readonly counts: ExportCounts) {
    super({ writableObjectMode: true, readableObjectMode: false });
  }

  override _transform(row: ExportRow, _encoding: BufferEncoding, done: TransformCallback): void {
    let line: string | undefined;
    if (this.current?.row.id !== row.id) {
      line = this.current ? this.encode() : undefined;
      this.current = { row, items: [] };
    }
    if (row.line_no !== null) {
      this.current!.items.push({ sku: row.sku!, quantity: row.quantity!, unitPriceCents: Number(row.unit_price_cents) });
    }
    done(null, line);
  }

  override _flush(done: TransformCallback): void {
    done(null, this.current ? this.encode() : undefined);
  }

  private encode(): string {
    const { row, items } = this.current!;
    this.counts.orders++;
    this.counts.rows++;
    return `${JSON.stringify({
      id: row.id,
      customerId: row.customer_id,
      clientOrderId: row.client_order_id,
      orderNumber: row.order_number,
      status: row.status,
      rejectionReason: row.rejection_reason,
      currency: row.currency,
      totalCents: Number(row.total_cents),
      items,
      shippingAddress: row.shipping_address === null ? null : JSON.parse(row.shipping_address),
      metadata: row.metadata === null ? null : JSON.parse(row.metadata),
      source: row.source,
      processedByVersion: row.processed_by_version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    })}\n`;
  }
}
