import { EntityManager } from 'typeorm';
import { CustomerAccount } from '@orderflow/domain/order';
import { NewOrderRow, OrderRecord, SELECT_ORDER_COLUMNS, StoredOrder, toOrder } from './orders.repository';
import { OutboxEvent } from './outbox.repository';
import { CustomerRecord, toAccount } from './customers.repository';
import { queryPrepared } from './sql';

/** What a placement decides on, read in one snapshot without locks. */
export interface PlacementSnapshot {
  /** Null for a customer that has no row yet (its first order creates it). */
  customer: CustomerAccount | null;
  /**
   * The customer row's version (PostgreSQL's `xmin`, a new value for every write of the row): the
   * write goes through only if the row is still this version. Null when there is no row.
   */
  rowVersion: string | null;
  /** The highest fencing token a lock holder has written with; null when there is no row. */
  fenceToken: string | null;
  /** The order already placed under this clientOrderId, if any (a replay). */
  existing: StoredOrder | null;
  /** Available stock of the order's SKUs that have a stock record. */
  stock: Map<string, number>;
}

interface SnapshotArgs {
  customerId: string;
  clientOrderId: string;
  skus: readonly string[];
}

/** The row the write is conditional on, and what to create when there is none. */
export interface RecordCondition {
  /** PlacementSnapshot.rowVersion: null means "create the customer; nobody may have meanwhile". */
  rowVersion: string | null;
  /** The currency of a customer created by this order. */
  currencyIfNew: string;
  /** The lease's token, recorded with the write it fences. */
  fenceToken: string;
}

/**
 * The snapshot statement's one row. JSON carries bigint as a number, so the fencing token (up to
 * 2^63) comes as text; the amounts stay within 2^53.
 */
export type SnapshotRow = {
  customer: (CustomerRecord & { row_version: string }) | null;
  existing: OrderRecord | null;
  stock: Array<[string, number]> | null;
};

/** Decodes a snapshot row (one per order: the batched placement reads several at once). */
export function toSnapshot({ customer, existing, stock }: SnapshotRow): PlacementSnapshot {
  return {
    customer: customer ? toAccount(customer) : null,
    rowVersion: customer?.row_version ?? null,
    fenceToken: customer ? String(customer.fence_token) : null,
    existing: existing ? toOrder({ ...existing, created_at: new Date(existing.created_at), updated_at: new Date(existing.updated_at) }) : null,
    stock: new Map(stock ?? []),
  };
}

/**
 * The snapshot's customer and the order already placed under the clientOrderId, as JSON, for the
 * SQL expressions given: parameters (one order) or the columns of the batch's list of orders.
 */
export const SNAPSHOT_CUSTOMER_AND_EXISTING = (customerId: string, clientOrderId: string) => `
  (SELECT row_to_json(c) FROM (
    SELECT id, currency, credit_limit_cents, open_balance_cents, last_order_number,
      fence_token::text AS fence_token, xmin::text AS row_version
    FROM customers WHERE id = ${customerId}) c) AS customer,
  (SELECT row_to_json(o) FROM (${SELECT_ORDER_COLUMNS} WHERE o.customer_id = ${customerId} AND o.client_order_id = ${clientOrderId}) o) AS existing`;

/**
 * The writes' stock CTEs, given `customer` (the customer rows written) and $23 / $24 (the SKUs
 * taken, sorted, and their quantities): row locks in SKU order after the customers', then each
 * taken relative to the current row, so the `available >= 0` CHECK refuses more than there is.
 */
export const TAKE_STOCK_IN_SKU_ORDER = `locked_stock AS (
           SELECT sku FROM inventory WHERE sku = ANY($23::varchar[]) AND EXISTS (SELECT FROM customer) ORDER BY sku FOR UPDATE),
         stock AS (
           UPDATE inventory SET available = available - ($24::int[])[array_position($23::varchar[], sku)], updated_at = now()
           WHERE sku IN (SELECT sku FROM locked_stock))`;

/** SQLSTATE 23514: a CHECK constraint refused the write (stock would fall below zero). */
const CHECK_VIOLATION = '23514';

/**
 * A placement's two statements, each its own transaction (no BEGIN, no COMMIT: two round trips):
 *
 * 1. `snapshot`: the customer row and its version, the order already placed under this
 *    clientOrderId, and the stock of the order's SKUs, in one snapshot, without locks.
 * 2. `record`: one statement that writes everything or nothing: it creates the customer or
 *    updates it only if the row is still the version read and no newer fencing token has been
 *    recorded, and only then inserts the order, its items and the outcome event and takes the
 *    stock. Stock is taken relative to the current row (`available - n`) under row locks taken in
 *    SKU order, always after the customer's, as every path takes them (an UPDATE alone locks in
 *    the order its scan meets the rows: two placements sharing SKUs deadlocked in the bench), and
 *    the `available >= 0` CHECK refuses taking more than there is.
 *
 * Optimistic, so a decision is never made on data that changed before it was written: the write
 * reports a conflict when the customer row changed or appeared since the snapshot, when its stock
 * is gone, or when a concurrent placement of the same clientOrderId won (the unique key); the
 * caller reads again and decides again (placeOrder in placement.ts). Under the customer's Redis
 * lock none of these happen, bar the stock of a SKU other customers bought meanwhile; they are
 * what keeps the writes right when a lock lease was lost, and in the bench's raw lane, which
 * takes no lock.
 */
export class PlacementRepository {
  async snapshot(manager: EntityManager, args: SnapshotArgs): Promise<PlacementSnapshot> {
    const [row] = await queryPrepared<SnapshotRow>(
      manager,
      `SELECT ${SNAPSHOT_CUSTOMER_AND_EXISTING('$1', '$2')},
         (SELECT json_agg(json_build_array(sku, available)) FROM inventory WHERE sku = ANY($3::varchar[])) AS stock`,
      [args.customerId, args.clientOrderId, [...args.skus].sort()],
    );
    return toSnapshot(row);
  }

  /** Writes the placement; 'conflict' when the snapshot it was decided on is out of date (nothing written). */
  async record(
    manager: EntityManager,
    order: NewOrderRow,
    balanceDeltaCents: number,
    stockTaken: ReadonlyMap<string, number>,
    event: OutboxEvent,
    condition: RecordCondition,
  ): Promise<'recorded' | 'conflict'> {
    const skus = [...stockTaken.keys()].sort();
    try {
      const [{ recorded }] = await queryPrepared<{ recorded: boolean }>(
        manager,
        `WITH customer AS (
           INSERT INTO customers AS c (id, currency, last_order_number, open_balance_cents, fence_token)
           VALUES ($2, $26, $4, $18, $25)
           ON CONFLICT (id) DO UPDATE
             SET last_order_number = EXCLUDED.last_order_number, open_balance_cents = c.open_balance_cents + $18,
                 fence_token = EXCLUDED.fence_token, updated_at = now()
             WHERE c.xmin = $27::text::xid AND c.fence_token <= EXCLUDED.fence_token
           RETURNING id),
         new_order AS (
           INSERT INTO orders (id, customer_id, client_order_id, order_number, status, rejection_reason, currency,
                               total_cents, shipping_address, metadata, source, request_hash, created_at, updated_at,
                               processed_by_version)
           SELECT $1::uuid, customer.id, $3::varchar, $4::int, $5::varchar, $6::varchar, $7::char(3), $8::bigint, $9::jsonb,
                  $10::jsonb, $11::varchar, $12::char(64), $17::timestamptz, $17::timestamptz, $22::varchar
           FROM customer
           RETURNING id),
         new_items AS (
           INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents)
           SELECT new_order.id, item.line_no, item.sku, item.quantity, item.unit_price_cents
           FROM new_order, unnest($13::smallint[], $14::varchar[], $15::int[], $16::bigint[])
             AS item(line_no, sku, quantity, unit_price_cents)),
         ${TAKE_STOCK_IN_SKU_ORDER},
         event AS (
           INSERT INTO outbox_events (event_id, customer_id, type, payload) SELECT $19::uuid, customer.id, $20::varchar, $21::jsonb FROM customer)
         SELECT EXISTS (SELECT FROM customer) AS recorded`,
        [
          order.id,
          order.customerId,
          order.clientOrderId,
          order.orderNumber,
          order.status,
          order.rejectionReason,
          order.currency,
          order.totalCents,
          order.shippingAddress === null ? null : JSON.stringify(order.shippingAddress),
          order.metadata === null ? null : JSON.stringify(order.metadata),
          order.source,
          order.requestHash,
          order.items.map((_, index) => index + 1),
          order.items.map((item) => item.sku),
          order.items.map((item) => item.quantity),
          order.items.map((item) => item.unitPriceCents),
          order.createdAt,
          balanceDeltaCents,
          event.eventId,
          event.type,
          JSON.stringify(event.payload),
          order.processedByVersion,
          skus,
          skus.map((sku) => stockTaken.get(sku)),
          condition.fenceToken,
          condition.currencyIfNew,
          condition.rowVersion,
        ],
      );
      return recorded ? 'recorded' : 'conflict';
    } catch (error) {
      if (isDuplicatePlacement(error) || isStockExhausted(error)) return 'conflict';
      throw error;
    }
  }
}

/** The unique key on (customer_id, client_order_id): a concurrent placement of the same clientOrderId won. */
export function isDuplicatePlacement(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'orders_customer_client_order_id_key';
}

/** The stock's `available >= 0` CHECK: another order took the stock since the snapshot. */
export function isStockExhausted(error: unknown): boolean {
  const { code, table } = (error ?? {}) as { code?: unknown; table?: unknown };
  return code === CHECK_VIOLATION && table === 'inventory';
}
