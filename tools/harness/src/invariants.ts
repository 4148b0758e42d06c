import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { ExportRow } from '@orderflow/reporting/order-export.repository';

/** An order the harness had accepted: a 2xx/202 answer, a committed raw transaction, or a message SQS took. */
export interface AcceptedOrder {
  customerId: string;
  clientOrderId: string;
  channel: 'raw' | 'rest' | 'sqs';
  /** For orders sent straight to the FIFO queue: the order SQS accepted them in (FIFO must keep it per customer). */
  sendSeq?: number;
}

export interface CheckScope {
  /** Every customer id of the run starts with it; nothing else is looked at ('' for the whole database). */
  customerPrefix: string;
  /** The orders the caller had accepted (none given: loss is not checked). */
  accepted?: readonly AcceptedOrder[];
  /** Stock records of the run and their initial quantity (any other record is only checked for going below zero). */
  initialStock?: ReadonlyMap<string, number>;
  /** Count outcome events not yet relayed to the events queue as missing. */
  requirePublished?: boolean;
}

export interface InvariantReport {
  /** Orders of the scope in the database. */
  orders: number;
  accepted: number;
  /** Accepted orders found in the database. */
  processed: number;
  /** Accepted but never processed. */
  lost: number;
  /** More than one order for one (customer, clientOrderId), or more than one outcome event for one order. */
  duplicated: number;
  /** Orders of the run nobody got an acceptance for (a request that timed out and was not retried); not a violation. */
  unacknowledged: number;
  /** Customers whose orderNumbers are not exactly 1..N (or whose counter disagrees). */
  orderNumberGaps: number;
  /** Pairs of queue-sent orders of one customer whose orderNumbers do not follow their send order. */
  fifoViolations: number;
  /** Confirmations beyond the credit limit, credit rejections that fitted, balances that disagree with the orders. */
  creditViolations: number;
  /** Stock records below zero or not equal to initial stock minus confirmed quantities. */
  stockViolations: number;
  /** Processed orders without an outcome event (or, with requirePublished, whose event was not relayed). */
  eventsMissing: number;
  /** Per customer, outcome events (in outbox order) whose orderNumbers go backwards. */
  eventsOutOfOrder: number;
  /** The first examples of each violation, for the operator. */
  examples: string[];
  ok: boolean;
}

export const VIOLATION_KEYS = [
  'lost',
  'duplicated',
  'orderNumberGaps',
  'fifoViolations',
  'creditViolations',
  'stockViolations',
  'eventsMissing',
  'eventsOutOfOrder',
] as const satisfies ReadonlyArray<keyof InvariantReport>;

type OrderRow = Pick<ExportRow, 'id' | 'customer_id' | 'client_order_id' | 'order_number' | 'status' | 'rejection_reason' | 'total_cents'>;

const key = (customerId: string, clientOrderId: string) => `${customerId}\u0000${clientOrderId}`;

/** A pg pool (the bench's) or a TypeORM data source (the tests'): rows of one statement. */
export type Db = Pool | DataSource;

async function select<T>(db: Db, text: string, params: unknown[]): Promise<{ rows: T[] }> {
  return db instanceof Pool ? (db.query(text, params) as unknown as Promise<{ rows: T[] }>) : { rows: (await db.query(text, params)) as T[] };
}

/**
 * Reads the run's orders, customers, stock and outbox from the primary and checks every invariant:
 * nothing lost or duplicated, gap-free orderNumbers, per-customer FIFO, credit, stock, events.
 */
export async function checkInvariants(db: Db, scope: CheckScope): Promise<InvariantReport> {
  const accepted = scope.accepted ?? [];
  const initialStock = scope.initialStock ?? new Map<string, number>();
  const like = `${scope.customerPrefix.replace(/[\\%_]/g, '\\$&')}%`;
  const [orders, customers, items, stock, events] = await Promise.all([
    select<OrderRow>(
      db,
      `SELECT id, customer_id, client_order_id, order_number, status, rejection_reason, total_cents FROM orders WHERE customer_id LIKE $1`,
      [like],
    ),
    select<{ id: string; credit_limit_cents: string | null; open_balance_cents: string; last_order_number: number }>(
      db,
      `SELECT id, credit_limit_cents, open_balance_cents, last_order_number FROM customers WHERE id LIKE $1`,
      [like],
    ),
    select<{ sku: string; quantity: string }>(
      db,
      `SELECT i.sku, sum(i.quantity) AS quantity FROM order_items i JOIN orders o ON o.id = i.order_id
       WHERE o.customer_id LIKE $1 AND o.status = 'CONFIRMED' GROUP BY i.sku`,
      [like],
    ),
    select<{ sku: string; available: number }>(db, `SELECT sku, available FROM inventory WHERE sku = ANY($1::varchar[]) OR available < 0`, [
      [...initialStock.keys()],
    ]),
    select<{ customer_id: string; type: string; order_id: string; order_number: number; published: boolean }>(
      db,
      `SELECT customer_id, type, payload->'order'->>'id' AS order_id, (payload->'order'->>'orderNumber')::int AS order_number,
              published_at IS NOT NULL AS published
       FROM outbox_events WHERE customer_id LIKE $1 ORDER BY id`,
      [like],
    ),
  ]);

  const examples: string[] = [];
  const example = (text: string) => {
    if (examples.length < 20) examples.push(text);
  };

  // Loss and duplication.
  const byKey = new Map<string, OrderRow[]>();
  for (const row of orders.rows) pushTo(byKey, key(row.customer_id, row.client_order_id), row);
  const acceptedKeys = new Set<string>();
  let processed = 0;
  let lost = 0;
  for (const order of accepted) {
    const k = key(order.customerId, order.clientOrderId);
    if (acceptedKeys.has(k)) continue;
    acceptedKeys.add(k);
    if (byKey.has(k)) processed++;
    else {
      lost++;
      example(`lost: ${order.channel} order ${order.clientOrderId} of ${order.customerId}`);
    }
  }
  let duplicated = 0;
  for (const [k, rows] of byKey) {
    if (rows.length > 1) {
      duplicated += rows.length - 1;
      example(`duplicated: ${k.replace('\u0000', '/')} stored ${rows.length} times`);
    }
  }
  const unacknowledged = [...byKey.keys()].filter((k) => !acceptedKeys.has(k)).length;

  // Gap-free numbering per customer.
  const numbersByCustomer = new Map<string, OrderRow[]>();
  for (const row of orders.rows) pushTo(numbersByCustomer, row.customer_id, row);
  for (const rows of numbersByCustomer.values()) rows.sort((a, b) => a.order_number - b.order_number);
  let orderNumberGaps = 0;
  for (const customer of customers.rows) {
    const rows = numbersByCustomer.get(customer.id) ?? [];
    const gapless = rows.every((row, index) => row.order_number === index + 1) && customer.last_order_number === rows.length;
    if (!gapless) {
      orderNumberGaps++;
      example(`gap: ${customer.id} has ${rows.length} orders numbered ${rows.slice(0, 5).map((r) => r.order_number).join(',')}..., counter ${customer.last_order_number}`);
    }
  }

  // Per-customer FIFO of the orders sent straight to the queue.
  const numberOf = new Map(orders.rows.map((row) => [key(row.customer_id, row.client_order_id), row.order_number]));
  const queued = new Map<string, AcceptedOrder[]>();
  for (const order of accepted) {
    if (order.channel === 'sqs' && order.sendSeq !== undefined) pushTo(queued, order.customerId, order);
  }
  let fifoViolations = 0;
  for (const [customerId, sent] of queued) {
    sent.sort((a, b) => a.sendSeq! - b.sendSeq!);
    let previous = 0;
    for (const order of sent) {
      const number = numberOf.get(key(customerId, order.clientOrderId));
      if (number === undefined) continue; // lost: counted above
      if (number < previous) {
        fifoViolations++;
        example(`fifo: ${customerId} order ${order.clientOrderId} got #${number} after #${previous}`);
      }
      previous = Math.max(previous, number);
    }
  }

  // Credit: replay each customer's orders in orderNumber order against its limit.
  let creditViolations = 0;
  for (const customer of customers.rows) {
    const rows = numbersByCustomer.get(customer.id) ?? [];
    const limit = customer.credit_limit_cents === null ? null : Number(customer.credit_limit_cents);
    let balance = 0;
    for (const row of rows) {
      const total = Number(row.total_cents);
      if (row.status === 'CONFIRMED') {
        balance += total;
        if (limit !== null && balance > limit) {
          creditViolations++;
          example(`credit: ${customer.id} order #${row.order_number} confirmed to a balance of ${balance} over the limit ${limit}`);
        }
      } else if (row.rejection_reason === 'CREDIT_LIMIT_EXCEEDED' && (limit === null || balance + total <= limit)) {
        creditViolations++;
        example(`credit: ${customer.id} order #${row.order_number} rejected although ${balance} + ${total} fits ${limit}`);
      }
    }
    if (Number(customer.open_balance_cents) !== balance) {
      creditViolations++;
      example(`credit: ${customer.id} open balance ${customer.open_balance_cents}, confirmed orders sum to ${balance}`);
    }
  }

  // Stock: never negative, and conserved.
  const taken = new Map(items.rows.map((row) => [row.sku, Number(row.quantity)]));
  let stockViolations = 0;
  for (const row of stock.rows) {
    const initial = initialStock.get(row.sku);
    const expected = initial === undefined ? undefined : initial - (taken.get(row.sku) ?? 0);
    if (row.available < 0 || (expected !== undefined && row.available !== expected)) {
      stockViolations++;
      example(`stock: ${row.sku} has ${row.available}, ${expected === undefined ? 'below zero' : `expected ${expected}`}`);
    }
  }

  // Outcome events: one per order, in orderNumber order per customer, relayed.
  const placementEvents = new Map<string, number>();
  const lastEventNumber = new Map<string, number>();
  let eventsOutOfOrder = 0;
  let unpublished = 0;
  for (const event of events.rows) {
    if (event.type !== 'order.confirmed' && event.type !== 'order.rejected') continue;
    placementEvents.set(event.order_id, (placementEvents.get(event.order_id) ?? 0) + 1);
    if (!event.published) unpublished++;
    const previous = lastEventNumber.get(event.customer_id) ?? 0;
    if (event.order_number <= previous) {
      eventsOutOfOrder++;
      example(`events: ${event.customer_id} event of #${event.order_number} after #${previous}`);
    }
    lastEventNumber.set(event.customer_id, Math.max(previous, event.order_number));
  }
  let eventsMissing = scope.requirePublished ? unpublished : 0;
  if (scope.requirePublished && unpublished) example(`events: ${unpublished} outcome events not relayed to the events queue`);
  for (const row of orders.rows) {
    const count = placementEvents.get(row.id) ?? 0;
    if (count === 0) {
      eventsMissing++;
      example(`events: no outcome event for ${row.customer_id} order #${row.order_number}`);
    } else if (count > 1) {
      duplicated += count - 1;
      example(`events: ${count} outcome events for ${row.customer_id} order #${row.order_number}`);
    }
  }

  const report: InvariantReport = {
    orders: orders.rows.length,
    accepted: acceptedKeys.size,
    processed,
    lost,
    duplicated,
    unacknowledged,
    orderNumberGaps,
    fifoViolations,
    creditViolations,
    stockViolations,
    eventsMissing,
    eventsOutOfOrder,
    examples,
    ok: false,
  };
  report.ok = VIOLATION_KEYS.every((name) => report[name] === 0);
  return report;
}

function pushTo<T>(map: Map<string, T[]>, k: string, value: T): void {
  const list = map.get(k);
  if (list) list.push(value);
  else map.set(k, [value]);
}
