import { EntityManager } from 'typeorm';
import { NewOrderRow } from './orders.repository';
import { OutboxEvent } from './outbox.repository';
import { isDuplicatePlacement, isStockExhausted, PlacementSnapshot, RecordCondition, SNAPSHOT_CUSTOMER_AND_EXISTING, SnapshotRow, TAKE_STOCK_IN_SKU_ORDER, toSnapshot } from './placement.repository';
import { queryPrepared } from './sql';

/** One order of a batch, written as PlacementRepository.record would write it alone. */
export interface BatchedPlacement {
  order: NewOrderRow;
  balanceDeltaCents: number;
  stockTaken: ReadonlyMap<string, number>;
  event: OutboxEvent;
  condition: RecordCondition;
}

/** SQLSTATE raised by orderflow_require_all_placed (migration 1764000023000): a customer row changed since the snapshot. */
const BATCH_OUT_OF_DATE = 'OF409';

/**
 * PlacementRepository's two statements for several orders of different customers at once: one
 * snapshot of them all, one statement that writes them all or none. The worker places the orders
 * of a receive batch this way (PlacementBatcher): two round trips and one commit for the batch
 * instead of two round trips and a commit per order.
 *
 * All or none, because the orders were decided one after another on one snapshot: a later one
 * may have been rejected for stock an earlier one took. So the write ends by checking that every
 * customer row was still the version read (and no newer fencing token recorded), and raises
 * otherwise, which undoes the whole statement; the caller then places the orders one by one.
 * Stock is locked in SKU order after the customers, as on every path, and taken relative to the
 * current row under the `available >= 0` CHECK.
 */
export class PlacementBatchRepository {
  /** One snapshot per order, in the order given: the customers must be distinct. */
  async snapshot(manager: EntityManager, orders: ReadonlyArray<{ customerId: string; clientOrderId: string }>, skus: readonly string[]): Promise<PlacementSnapshot[]> {
    const rows = await queryPrepared<SnapshotRow & { ord: number }>(
      manager,
      `SELECT q.ord::int AS ord, ${SNAPSHOT_CUSTOMER_AND_EXISTING('q.customer_id', 'q.client_order_id')},
         CASE WHEN q.ord = 1 THEN (SELECT json_agg(json_build_array(sku, available)) FROM inventory WHERE sku = ANY($3::varchar[])) END AS stock
       FROM unnest($1::varchar[], $2::varchar[]) WITH ORDINALITY AS q(customer_id, client_order_id, ord)
       ORDER BY q.ord`,
      [orders.map((o) => o.customerId), orders.map((o) => o.clientOrderId), [...skus].sort()],
    );
    // The batch's stock, read once, is every order's view of it.
    const stock = rows[0]?.stock ?? null;
    return rows.map((row) => toSnapshot({ ...row, stock }));
  }

  /** Writes every placement or none: 'conflict' when any of them was decided on data that changed. */
  async record(manager: EntityManager, placements: readonly BatchedPlacement[], version: string | null): Promise<'recorded' | 'conflict'> {
    const orders = placements.map((p) => p.order);
    const items = orders.flatMap((order) => order.items.map((item, index) => ({ orderId: order.id, lineNo: index + 1, ...item })));
    const stockTaken = new Map<string, number>();
    for (const placement of placements) {
      for (const [sku, quantity] of placement.stockTaken) stockTaken.set(sku, (stockTaken.get(sku) ?? 0) + quantity);
    }
    const skus = [...stockTaken.keys()].sort();
    try {
      await queryPrepared(
        manager,
        `WITH input AS (
           SELECT * FROM unnest($2::varchar[], $15::text[], $16::bigint[], $29::varchar[], $4::int[], $14::bigint[])
             AS t(customer_id, row_version, fence_token, currency_if_new, order_number, balance_delta)),
         created AS (
           INSERT INTO customers (id, currency, last_order_number, open_balance_cents, fence_token)
           SELECT customer_id, currency_if_new, order_number, balance_delta, fence_token FROM input WHERE row_version IS NULL
           ON CONFLICT (id) DO NOTHING
           RETURNING id),
         updated AS (
           UPDATE customers c
             SET last_order_number = i.order_number, open_balance_cents = c.open_balance_cents + i.balance_delta,
                 fence_token = i.fence_token, updated_at = now()
           FROM input i
           WHERE i.row_version IS NOT NULL AND c.id = i.customer_id AND c.xmin = i.row_version::xid AND c.fence_token <= i.fence_token
           RETURNING c.id),
         customer AS (SELECT id FROM created UNION ALL SELECT id FROM updated),
         new_order AS (
           INSERT INTO orders (id, customer_id, client_order_id, order_number, status, rejection_reason, currency,
                               total_cents, shipping_address, metadata, source, request_hash, created_at, updated_at,
                               processed_by_version)
           SELECT o.id, o.customer_id, o.client_order_id, o.order_number, o.status, o.rejection_reason, o.currency, o.total_cents,
                  o.shipping_address, o.metadata, o.source, o.request_hash, o.created_at, o.created_at, $17::varchar
           FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::int[], $5::varchar[], $6::varchar[], $7::varchar[], $8::bigint[],
                       $9::jsonb[], $10::jsonb[], $11::varchar[], $12::varchar[], $13::timestamptz[]) WITH ORDINALITY
             AS o(id, customer_id, client_order_id, order_number, status, rejection_reason, currency, total_cents,
                  shipping_address, metadata, source, request_hash, created_at, ord)
           JOIN customer ON customer.id = o.customer_id
           ORDER BY o.ord
           RETURNING id),
         new_items AS (
           INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents)
           SELECT item.order_id, item.line_no, item.sku, item.quantity, item.unit_price_cents
           FROM unnest($18::uuid[], $19::smallint[], $20::varchar[], $21::int[], $22::bigint[])
             AS item(order_id, line_no, sku, quantity, unit_price_cents)
           JOIN new_order ON new_order.id = item.order_id),
         ${TAKE_STOCK_IN_SKU_ORDER},
         event AS (
           INSERT INTO outbox_events (event_id, customer_id, type, payload)
           SELECT e.event_id, e.customer_id, e.type, e.payload
           FROM unnest($25::uuid[], $2::varchar[], $26::varchar[], $27::jsonb[]) WITH ORDINALITY AS e(event_id, customer_id, type, payload, ord)
           JOIN customer ON customer.id = e.customer_id
           ORDER BY e.ord)
         SELECT orderflow_require_all_placed((SELECT count(*) FROM customer), $28::int) AS placed`,
        [
          orders.map((o) => o.id),
          orders.map((o) => o.customerId),
          orders.map((o) => o.clientOrderId),
          orders.map((o) => o.orderNumber),
          orders.map((o) => o.status),
          orders.map((o) => o.rejectionReason),
          orders.map((o) => o.currency),
          orders.map((o) => o.totalCents),
          orders.map((o) => (o.shippingAddress === null ? null : JSON.stringify(o.shippingAddress))),
          orders.map((o) => (o.metadata === null ? null : JSON.stringify(o.metadata))),
          orders.map((o) => o.source),
          orders.map((o) => o.requestHash),
          orders.map((o) => o.createdAt),
          placements.map((p) => p.balanceDeltaCents),
          placements.map((p) => p.condition.rowVersion),
          placements.map((p) => p.condition.fenceToken),
          version,
          items.map((item) => item.orderId),
          items.map((item) => item.lineNo),
          items.map((item) => item.sku),
          items.map((item) => item.quantity),
          items.map((item) => item.unitPriceCents),
          skus,
          skus.map((sku) => stockTaken.get(sku)),
          placements.map((p) => p.event.eventId),
          placements.map((p) => p.event.type),
          placements.map((p) => JSON.stringify(p.event.payload)),
          placements.length,
          placements.map((p) => p.condition.currencyIfNew),
        ],
      );
      return 'recorded';
    } catch (error) {
      if (isOutOfDate(error) || isDuplicatePlacement(error) || isStockExhausted(error)) return 'conflict';
      throw error;
    }
  }
}

function isOutOfDate(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === BATCH_OUT_OF_DATE;
}
