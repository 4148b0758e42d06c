import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';

export interface CompletionResult {
  processed: number;
  /** Epoch ms at which each order was committed (orders.created_at, taken inside the transaction), by clientOrderId. */
  committedAt: Map<string, number>;
  /** Why waiting stopped early, if it did. */
  stalled?: string;
}

/** The drain's rate is taken from the orders' own commit times: polling sooner only costs. */
const POLL_MS = 1000;

/**
 * Waits until `expected` orders whose clientOrderId starts with `clientOrderIdPrefix` exist for
 * the run's customers; gives up when the count has not moved for `stallMs` (a stuck or missing
 * worker) or after `timeoutMs`.
 *
 * The count runs on the primary while the phase is measured, so it must stay small next to what
 * it measures: it reads only the orders created since `since` (orders_created_at_report_idx),
 * once a second. Counting every order of the run ten times a second took a fifth of the
 * primary's CPU by the mixed phase, and was counted as the orders' cost.
 */
export async function waitForOrders(
  pool: Pool,
  opts: {
    customerPrefix: string;
    clientOrderIdPrefix: string;
    /** No order of the phase was created before (the first send). */
    since: Date;
    expected: number;
    stallMs?: number;
    timeoutMs?: number;
    onProgress?: (processed: number) => void;
  },
): Promise<CompletionResult> {
  const stallMs = opts.stallMs ?? 45_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  const params = [`${opts.customerPrefix}%`, `${opts.clientOrderIdPrefix}%`, opts.since];
  const phaseOrders = `FROM orders WHERE created_at >= $3 AND customer_id LIKE $1 AND client_order_id LIKE $2`;
  let processed = -1;
  let lastChange = Date.now();
  let stalled: string | undefined;
  for (;;) {
    const { rows } = await pool
      .query<{ n: number }>(`SELECT count(*)::int AS n ${phaseOrders}`, params)
      .catch(() => ({ rows: [{ n: processed }] })); // the primary may be restarting
    if (rows[0].n !== processed) {
      processed = rows[0].n;
      lastChange = Date.now();
      opts.onProgress?.(processed);
    }
    if (processed >= opts.expected) break;
    if (Date.now() - lastChange > stallMs) {
      stalled = `no order processed for ${Math.round(stallMs / 1000)} s (${processed} of ${opts.expected})`;
      break;
    }
    if (Date.now() > deadline) {
      stalled = `timed out with ${processed} of ${opts.expected} processed`;
      break;
    }
    await sleep(POLL_MS);
  }
  const { rows } = await pool.query<{ client_order_id: string; created_at: Date }>(`SELECT client_order_id, created_at ${phaseOrders}`, params);
  return { processed, committedAt: new Map(rows.map((row) => [row.client_order_id, row.created_at.getTime()])), stalled };
}

/** Waits until the run's outcome events have all been relayed (published_at set); returns how many are left. */
export async function waitForOutboxRelay(pool: Pool, customerPrefix: string, opts: { stallMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const stallMs = opts.stallMs ?? 30_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  let left = -1;
  let lastChange = Date.now();
  for (;;) {
    const { rows } = await pool
      .query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL AND customer_id LIKE $1`, [`${customerPrefix}%`])
      .catch(() => ({ rows: [{ n: left }] }));
    if (rows[0].n !== left) {
      left = rows[0].n;
      lastChange = Date.now();
    }
    if (left === 0 || Date.now() - lastChange > stallMs || Date.now() > deadline) return left;
    await sleep(200);
  }
}
