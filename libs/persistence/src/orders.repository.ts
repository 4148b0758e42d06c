import { EntityManager } from 'typeorm';
import { LineItem, Order, OrderSource, OrderStatus, RejectionReason } from '@orderflow/domain/order';
import { queryPrepared, queryRows, toNumber } from './sql';

export interface StoredOrder extends Order {
  requestHash: string;
}

/** The order as callers see it: without the request fingerprint kept for idempotency. */
export function publicOrder(stored: StoredOrder): Order {
  const { requestHash: _hash, ...order } = stored;
  return order;
}

export interface NewOrderRow {
  id: string;
  customerId: string;
  clientOrderId: string;
  orderNumber: number;
  status: OrderStatus;
  rejectionReason: RejectionReason | null;
  currency: string;
  totalCents: number;
  items: readonly LineItem[];
  shippingAddress: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  source: OrderSource;
  processedByVersion: string | null;
  requestHash: string;
  createdAt: Date;
}

export interface OrderRecord {
  id: string;
  customer_id: string;
  client_order_id: string;
  order_number: number;
  status: OrderStatus;
  rejection_reason: RejectionReason | null;
  currency: string;
  total_cents: string;
  shipping_address: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  source: OrderSource;
  processed_by_version: string | null;
  request_hash: string;
  created_at: Date;
  updated_at: Date;
  items: LineItem[] | null;
}

// Columns named, not o.*: findByClientOrderId and PlacementRepository.snapshot run it as a prepared statement (see queryPrepared).
export const SELECT_ORDER_COLUMNS = `
  SELECT o.id, o.customer_id, o.client_order_id, o.order_number, o.status, o.rejection_reason, o.currency, o.total_cents,
         o.shipping_address, o.metadata, o.source, o.processed_by_version, o.request_hash, o.created_at, o.updated_at, (
    SELECT json_agg(json_build_object('sku', i.sku, 'quantity', i.quantity, 'unitPriceCents', i.unit_price_cents)
                    ORDER BY i.line_no)
    FROM order_items i WHERE i.order_id = o.id
  ) AS items
  FROM orders o`;

export function toOrder(row: OrderRecord): StoredOrder {
  return {
    id: row.id,
    customerId: row.customer_id,
    clientOrderId: row.client_order_id,
    orderNumber: row.order_number,
    status: row.status,
    rejectionReason: row.rejection_reason,
    currency: row.currency,
    totalCents: toNumber(row.total_cents),
    items: row.items ?? [],
    shippingAddress: row.shipping_address,
    metadata: row.metadata,
    source: row.source,
    processedByVersion: row.processed_by_version,
    requestHash: row.request_hash,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** SQL for orders and their line items. */
export class OrdersRepository {
  async findById(manager: EntityManager, id: string, forUpdate = false): Promise<StoredOrder | null> {
    const rows = await queryRows<OrderRecord>(
      manager,
      `${SELECT_ORDER_COLUMNS} WHERE o.id = $1${forUpdate ? ' FOR UPDATE OF o' : ''}`,
      [id],
    );
    return rows.length ? toOrder(rows[0]) : null;
  }

  async findByClientOrderId(manager: EntityManager, customerId: string, clientOrderId: string): Promise<StoredOrder | null> {
    const rows = await queryPrepared<OrderRecord>(manager, `${SELECT_ORDER_COLUMNS} WHERE o.customer_id = $1 AND o.client_order_id = $2`, [
      customerId,
      clientOrderId,
    ]);
    return rows.length ? toOrder(rows[0]) : null;
  }

  /** One page of a customer's orders by orderNumber, after the cursor. */
  async listByCustomer(manager: EntityManager, customerId: string, afterOrderNumber: number, limit: number): Promise<StoredOrder[]> {
    const rows = await queryRows<OrderRecord>(
      manager,
      `${SELECT_ORDER_COLUMNS} WHERE o.customer_id = $1 AND o.order_number > $2 ORDER BY o.order_number LIMIT $3`,
      [customerId, afterOrderNumber, limit],
    );
    return rows.map(toOrder);
  }

  async markCancelled(manager: EntityManager, id: string, at: Date): Promise<void> {
    await queryRows(manager, `UPDATE orders SET status = 'CANCELLED', updated_at = $2 WHERE id = $1`, [id, at]);
  }
}
