import { EntityManager } from 'typeorm';
import { NewOrderRow } from './orders.repository';
import { OutboxEvent } from './outbox.repository';
import { queryPrepared } from './sql';

/**
 * The writes of one placement in a single statement (one round trip on the hot path): the order,
 * its items, the customer's last order number and open balance, and the outcome event.
 */
export class PlacementRepository {
  async record(
    manager: EntityManager,
    order: NewOrderRow,
    balanceDeltaCents: number,
    event: OutboxEvent,
  ): Promise<void> {
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
         UPDATE customers SET last_order_number = $4, open_balance_cents = open_balance_cents + $18, updated_at = now()
         WHERE id = $2)
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
      ],
    );
  }
}
