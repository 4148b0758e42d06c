import { EntityManager } from 'typeorm';
import { CustomerAccount } from '@orderflow/domain/order';
import { NewOrderRow, OrderRecord, SELECT_ORDER_COLUMNS, StoredOrder, toOrder } from './orders.repository';
import { OutboxEvent } from './outbox.repository';
import { CUSTOMER_COLUMNS, CustomerRecord, toAccount } from './customers.repository';
import { queryPrepared } from './sql';

export interface PlacementStart {
  customer: CustomerAccount;
  /** The order already placed under this clientOrderId, if any (a replay). */
  existing: StoredOrder | null;
  /** Available stock of the order's SKUs that have a stock record, row-locked. */
  stock: Map<string, number>;
}

interface PlacementStartArgs {
  customerId: string;
  currencyIfNew: string;
  fenceToken: string;
  clientOrderId: string;
  skus: readonly string[];
}

/** The first statement's one row: the customer, the order already placed, the locked stock. */
type StartRow = CustomerRecord & { existing: OrderRecord | null; stock: Array<[string, number]> | null };

/**
 * A placement's statements, two round trips between BEGIN and COMMIT:
 *
 * 1. `start`: creates the customer if unknown, or row-locks it only if no newer fencing token was
 *    recorded (a lock, not a write: the customer's row gets one new version per order, in
 *    `record`), looks up the clientOrderId, and row-locks the order's stock records in SKU order
 *    (always after the customer, as every path does: no deadlocks).
 * 2. `record`: the order, its items, the customer's last order number, open balance and the
 *    lease's fencing token, the stock taken and the outcome event. A replay writes nothing, so it
 *    records no token: there is no write of its own for a stale holder to overtake.
 *
 * Read committed: the customer and stock rows come back in their latest committed version even
 * after waiting for their locks (ON CONFLICT and FOR UPDATE re-read the row). The idempotency
 * lookup, though, sees the statement's snapshot, taken before any lock wait: if a previous
 * holder committed the same clientOrderId while this statement waited for the customer's row,
 * the lookup misses it, and `record` then fails on the unique key orders(customer_id,
 * client_order_id) instead of answering a replay; the caller retries the transaction (see
 * isDuplicatePlacement), which then finds it. Nothing is ever written twice.
 */
export class PlacementRepository {
  async start(manager: EntityManager, args: PlacementStartArgs): Promise<PlacementStart | null> {
    // A customer that a concurrent transaction created after this statement's snapshot is neither
    // inserted (conflict) nor visible to the lock: a second statement sees it (read committed).
    // Only a row with a newer fencing token stays out of reach both times.
    const row = (await this.startStatement(manager, args)) ?? (await this.startStatement(manager, args));
    if (!row) return null;
    return {
      customer: toAccount(row),
      existing: row.existing ? toOrder({ ...row.existing, created_at: new Date(row.existing.created_at), updated_at: new Date(row.existing.updated_at) }) : null,
      stock: new Map(row.stock ?? []),
    };
  }

  private async startStatement(manager: EntityManager, args: PlacementStartArgs): Promise<StartRow | undefined> {
    const rows = await queryPrepared<StartRow>(
      manager,
      `WITH created AS (
         INSERT INTO customers (id, currency, fence_token) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO NOTHING
         RETURNING ${CUSTOMER_COLUMNS}),
       locked AS (
         SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE id = $1 AND fence_token <= $3 FOR NO KEY UPDATE),
       customer AS (SELECT * FROM created UNION ALL SELECT * FROM locked),
       stock AS (
         SELECT sku, available FROM inventory
         WHERE sku = ANY($5::varchar[]) AND EXISTS (SELECT FROM customer)
         ORDER BY sku FOR UPDATE)
       SELECT c.*,
         (SELECT json_agg(json_build_array(s.sku, s.available)) FROM stock s) AS stock,
         (SELECT row_to_json(o) FROM (${SELECT_ORDER_COLUMNS} WHERE o.customer_id = $1 AND o.client_order_id = $4) o) AS existing
       FROM customer c`,
      [args.customerId, args.currencyIfNew, args.fenceToken, args.clientOrderId, [...args.skus].sort()],
    );
    return rows[0];
  }

  async record(
    manager: EntityManager,
    order: NewOrderRow,
    balanceDeltaCents: number,
    stockTaken: ReadonlyMap<string, number>,
    event: OutboxEvent,
    /** The lease's token, recorded with the write it fences (start only checked it). */
    fenceToken: string,
  ): Promise<void> {
    const skus = [...stockTaken.keys()].sort();
    await queryPrepared(
      manager,
      `WITH new_order AS (
         INSERT INTO orders (id, customer_id, client_order_id, order_number, status, rejection_reason, currency,
                             total_cents, shipping_address, metadata, source, request_hash, created_at, updated_at,
                             processed_by_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $17, $17, $22)
         RETURNING id),
       new_items AS (
         INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price_cents)
         SELECT new_order.id, item.line_no, item.sku, item.quantity, item.unit_price_cents
         FROM new_order, unnest($13::smallint[], $14::varchar[], $15::int[], $16::bigint[])
           AS item(line_no, sku, quantity, unit_price_cents)),
       customer AS (
         UPDATE customers SET last_order_number = $4, open_balance_cents = open_balance_cents + $18, fence_token = $25, updated_at = now()
         WHERE id = $2),
       stock AS (
         UPDATE inventory SET available = available - ($24::int[])[array_position($23::varchar[], sku)], updated_at = now()
         WHERE sku = ANY($23::varchar[]))
       INSERT INTO outbox_events (event_id, customer_id, type, payload) VALUES ($19, $2, $20, $21)`,
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
        fenceToken,
      ],
    );
  }
}

/**
 * The unique key on (customer_id, client_order_id) refused the order: a previous holder placed the
 * same clientOrderId while `start` waited for the customer's lock (see PlacementRepository).
 */
export function isDuplicatePlacement(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'orders_customer_client_order_id_key';
}
