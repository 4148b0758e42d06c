import { EntityManager } from 'typeorm';
import { OrderStatus, RejectionReason } from '@orderflow/domain/order';
import { queryRows, toNumber } from '@orderflow/persistence/sql';
import { DateRange, Granularity, SalesQuery, TopSkusQuery } from './report-params';

/**
 * The report queries. Each one reads the orders of a creation-date range through
 * orders_created_at_report_idx (an index-only scan: date, status, currency, total) and, for
 * top SKUs, the items through order_items_report_idx; none scans the orders table. The EXPLAIN
 * evidence on 1,000,000 orders is in docs/reporting.md (test/reporting/explain-reports.ts).
 */

export interface SalesRow {
  /** First day of the period (UTC): the day, the Monday of the ISO week, or the 1st of the month. */
  periodStart: string;
  currency: string;
  orders: number;
  confirmed: number;
  rejected: number;
  cancelled: number;
  /** Every accepted order (CONFIRMED or CANCELLED since): what was sold before cancellations. */
  grossTotalCents: number;
  cancelledTotalCents: number;
  /** CONFIRMED orders only: gross minus cancellations. */
  netTotalCents: number;
}

export interface StatusRow {
  status: OrderStatus;
  rejectionReason: RejectionReason | null;
  orders: number;
}

export interface SkuQuantity {
  sku: string;
  quantity: number;
}

export interface SkuRevenue {
  sku: string;
  currency: string;
  revenueCents: number;
  quantity: number;
}

export interface TopSkus {
  byQuantity: SkuQuantity[];
  /** Ranked within each currency (amounts in different currencies do not add up). */
  byRevenue: SkuRevenue[];
}

export interface OrderRef {
  id: string;
  clientOrderId: string;
  orderNumber: number;
  status: OrderStatus;
  totalCents: number;
  createdAt: string;
}

export interface CustomerSummary {
  customerId: string;
  currency: string;
  creditLimitCents: number | null;
  /** Sum of the customer's CONFIRMED orders, as kept on the account. */
  openBalanceCents: number;
  orders: { total: number; confirmed: number; rejected: number; cancelled: number };
  firstOrder: OrderRef | null;
  lastOrder: OrderRef | null;
}

/** A timestamptz as the API writes it (Date.toISOString: milliseconds, UTC). */
export const isoTimestamp = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const IN_RANGE = `o.created_at >= $1 AND o.created_at < $2`;

export class ReportsRepository {
  async sales(manager: EntityManager, query: SalesQuery): Promise<SalesRow[]> {
    const params: unknown[] = [query.range.start, query.range.end, query.granularity satisfies Granularity];
    const currency = query.currency === null ? '' : `AND o.currency = $${params.push(query.currency)}`;
    const rows = await queryRows<Record<string, string>>(
      manager,
      // Grouped by the date_trunc expression the migration keeps statistics on; formatted per group.
      `SELECT to_char(s.period, 'YYYY-MM-DD') AS period_start, s.*
       FROM (
         SELECT date_trunc($3, o.created_at AT TIME ZONE 'UTC') AS period,
                o.currency,
                count(*) AS orders,
                count(*) FILTER (WHERE o.status = 'CONFIRMED') AS confirmed,
                count(*) FILTER (WHERE o.status = 'REJECTED') AS rejected,
                count(*) FILTER (WHERE o.status = 'CANCELLED') AS cancelled,
                coalesce(sum(o.total_cents) FILTER (WHERE o.status <> 'REJECTED'), 0) AS gross,
                coalesce(sum(o.total_cents) FILTER (WHERE o.status = 'CANCELLED'), 0) AS cancelled_total,
                coalesce(sum(o.total_cents) FILTER (WHERE o.status = 'CONFIRMED'), 0) AS net
         FROM orders o
         WHERE ${IN_RANGE} ${currency}
         GROUP BY 1, 2) s
       ORDER BY s.period, s.currency`,
      params,
    );
    return rows.map((r) => ({
      periodStart: r.period_start,
      currency: r.currency,
      orders: toNumber(r.orders),
      confirmed: toNumber(r.confirmed),
      rejected: toNumber(r.rejected),
      cancelled: toNumber(r.cancelled),
      grossTotalCents: toNumber(r.gross),
      cancelledTotalCents: toNumber(r.cancelled_total),
      netTotalCents: toNumber(r.net),
    }));
  }

  async ordersByStatus(manager: EntityManager, range: DateRange): Promise<StatusRow[]> {
    const rows = await queryRows<{ status: OrderStatus; rejection_reason: RejectionReason | null; orders: string }>(
      manager,
      `SELECT o.status, o.rejection_reason, count(*) AS orders
       FROM orders o
       WHERE ${IN_RANGE}
       GROUP BY 1, 2
       ORDER BY 1, 2`,
      [range.start, range.end],
    );
    return rows.map((r) => ({ status: r.status, rejectionReason: r.rejection_reason, orders: toNumber(r.orders) }));
  }

  /** Items of CONFIRMED orders only: rejected orders sold nothing and cancelled ones gave it back. */
  async topSkus(manager: EntityManager, query: TopSkusQuery): Promise<TopSkus> {
    const params: unknown[] = [query.range.start, query.range.end, query.limit];
    const currency = query.currency === null ? '' : `AND o.currency = $${params.push(query.currency)}`;
    const rows = await queryRows<{ ranking: 'quantity' | 'revenue'; sku: string; currency: string | null; quantity: string; revenue: string | null }>(
      manager,
      `WITH sold AS MATERIALIZED (
         SELECT i.sku, o.currency, sum(i.quantity) AS quantity, sum(i.quantity * i.unit_price_cents) AS revenue
         FROM orders o
         JOIN order_items i ON i.order_id = o.id
         WHERE ${IN_RANGE} AND o.status = 'CONFIRMED' ${currency}
         GROUP BY i.sku, o.currency
       ),
       by_quantity AS (
         SELECT sku, sum(quantity) AS quantity FROM sold GROUP BY sku ORDER BY 2 DESC, 1 LIMIT $3
       ),
       by_revenue AS (
         SELECT sku, currency, quantity, revenue, row_number() OVER (PARTITION BY currency ORDER BY revenue DESC, sku) AS rank
         FROM sold
       )
       SELECT 'quantity' AS ranking, sku, NULL AS currency, quantity, NULL AS revenue FROM by_quantity
       UNION ALL
       SELECT 'revenue', sku, currency, quantity, revenue FROM by_revenue WHERE rank <= $3
       ORDER BY ranking, currency, revenue DESC, quantity DESC, sku`,
      params,
    );
    return {
      byQuantity: rows.filter((r) => r.ranking === 'quantity').map((r) => ({ sku: r.sku, quantity: toNumber(r.quantity) })),
      byRevenue: rows
        .filter((r) => r.ranking === 'revenue')
        .map((r) => ({ sku: r.sku, currency: r.currency!, revenueCents: toNumber(r.revenue), quantity: toNumber(r.quantity) })),
    };
  }

  /** Counts walk the customer's orders by the (customer_id, order_number) key; first and last are one probe each. */
  async customerSummary(manager: EntityManager, customerId: string): Promise<CustomerSummary | null> {
    const orderRef = (direction: 'ASC' | 'DESC') => `
      SELECT o.id, o.client_order_id AS "clientOrderId", o.order_number AS "orderNumber", o.status,
             o.total_cents AS "totalCents", ${isoTimestamp('o.created_at')} AS "createdAt"
      FROM orders o WHERE o.customer_id = c.id ORDER BY o.order_number ${direction} LIMIT 1`;
    const rows = await queryRows<Record<string, any>>(
      manager,
      `SELECT c.id, c.currency, c.credit_limit_cents, c.open_balance_cents,
              s.total, s.confirmed, s.rejected, s.cancelled,
              to_json(f) AS first_order, to_json(l) AS last_order
       FROM customers c
       CROSS JOIN LATERAL (
         SELECT count(*) AS total,
                count(*) FILTER (WHERE o.status = 'CONFIRMED') AS confirmed,
                count(*) FILTER (WHERE o.status = 'REJECTED') AS rejected,
                count(*) FILTER (WHERE o.status = 'CANCELLED') AS cancelled
         FROM orders o WHERE o.customer_id = c.id) s
       LEFT JOIN LATERAL (${orderRef('ASC')}) f ON true
       LEFT JOIN LATERAL (${orderRef('DESC')}) l ON true
       WHERE c.id = $1`,
      [customerId],
    );
    if (!rows.length) return null;
    const r = rows[0];
    return {
      customerId: r.id,
      currency: r.currency,
      creditLimitCents: r.credit_limit_cents === null ? null : toNumber(r.credit_limit_cents),
      openBalanceCents: toNumber(r.open_balance_cents),
      orders: { total: toNumber(r.total), confirmed: toNumber(r.confirmed), rejected: toNumber(r.rejected), cancelled: toNumber(r.cancelled) },
      firstOrder: r.first_order ?? null,
      lastOrder: r.last_order ?? null,
    };
  }
}
