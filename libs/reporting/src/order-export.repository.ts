import type { Readable } from 'node:stream';
import type { Client } from 'pg';
import QueryStream from 'pg-query-stream';
import { DateRange } from './report-params';
import { isoTimestamp } from './reports.repository';

/**
 * One line of an order as the export reads it: the order's fields repeated on each of its
 * items. Timestamps and JSON come formatted by PostgreSQL (the API's ISO form, JSON text), so the
 * exporter only copies text; int8 columns arrive as strings.
 */
export interface ExportRow {
  id: string;
  customer_id: string;
  client_order_id: string;
  order_number: number;
  status: string;
  rejection_reason: string | null;
  currency: string;
  total_cents: string;
  shipping_address: string | null;
  metadata: string | null;
  source: string;
  processed_by_version: string | null;
  created_at: string;
  updated_at: string;
  /** Null only for an order without items (none are written by the API). */
  line_no: number | null;
  sku: string | null;
  quantity: number | null;
  unit_price_cents: string | null;
}

export interface OrderExportCursor {
  /** Orders in the range, counted in the same snapshot as the rows. */
  totalOrders: number;
  /** ExportRow objects, ordered by order (created_at, id) then line; items of one order are adjacent. */
  rows: Readable;
  /** Ends the read-only transaction; call once the rows were consumed or abandoned. */
  close(): Promise<void>;
}

const ROWS_PER_FETCH = 1000;

/** The export's statement: every order of the range with its items, each order's lines together. */
export function orderExportQuery(range: DateRange): { text: string; values: unknown[] } {
  return {
    text: `SELECT o.id, o.customer_id, o.client_order_id, o.order_number, o.status, o.rejection_reason, o.currency,
                  o.total_cents, o.shipping_address::text AS shipping_address, o.metadata::text AS metadata, o.source, o.processed_by_version,
                  ${isoTimestamp('o.created_at')} AS created_at, ${isoTimestamp('o.updated_at')} AS updated_at,
                  i.line_no, i.sku, i.quantity, i.unit_price_cents
           FROM orders o
           LEFT JOIN order_items i ON i.order_id = o.id
           WHERE o.created_at >= $1 AND o.created_at < $2
           ORDER BY o.created_at, o.id, i.line_no`,
    values: [range.start, range.end],
  };
}

/**
 * The orders of a date range with their items, read through a server-side cursor (pg-query-stream:
 * a portal read 1,000 rows per fetch, the next fetch only once the consumer has taken most of the
 * previous one), so memory stays flat however many rows. Count and rows share one REPEATABLE READ
 * snapshot: the total is exact.
 */
export class OrderExportRepository {
  async open(client: Client, range: DateRange): Promise<OrderExportCursor> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const { rows } = await client.query<{ orders: string }>(
        `SELECT count(*) AS orders FROM orders o WHERE o.created_at >= $1 AND o.created_at < $2`,
        [range.start, range.end],
      );
      const { text, values } = orderExportQuery(range);
      const stream = client.query(new QueryStream(text, values, { batchSize: ROWS_PER_FETCH }));
      return {
        totalOrders: Number(rows[0].orders),
        rows: stream,
        close: async () => {
          if (!stream.destroyed) stream.destroy();
          await client.query('ROLLBACK');
        },
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
}
