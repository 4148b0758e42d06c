import { EntityManager } from 'typeorm';
import { queryPrepared, queryRows } from './sql';

export interface OutboxEvent {
  eventId: string;
  customerId: string;
  type: string;
  payload: Record<string, unknown>;
}

/** Outcome events, written in the same transaction as the order they describe. */
export class OutboxRepository {
  async append(manager: EntityManager, event: OutboxEvent): Promise<void> {
    await queryPrepared(manager, `INSERT INTO outbox_events (event_id, customer_id, type, payload) VALUES ($1, $2, $3, $4)`, [
      event.eventId,
      event.customerId,
      event.type,
      JSON.stringify(event.payload),
    ]);
  }
}

export interface PendingEvent {
  id: string;
  eventId: string;
  customerId: string;
  type: string;
  payload: Record<string, unknown>;
}

/** Reading and marking outbox rows for the relay. */
export class OutboxRelayRepository {
  /** The oldest unpublished events, in insertion order (per customer this is commit order). */
  async pending(manager: EntityManager, limit: number): Promise<PendingEvent[]> {
    const rows = await queryRows<{ id: string; event_id: string; customer_id: string; type: string; payload: Record<string, unknown> }>(
      manager,
      `SELECT id, event_id, customer_id, type, payload FROM outbox_events WHERE published_at IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, eventId: r.event_id, customerId: r.customer_id, type: r.type, payload: r.payload }));
  }

  async markPublished(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await queryRows(manager, `UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
  }
}
