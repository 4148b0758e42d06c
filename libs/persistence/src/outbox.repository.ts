import { EntityManager } from 'typeorm';
import { queryRows } from './sql';

export interface OutboxEvent {
  eventId: string;
  customerId: string;
  type: string;
  payload: Record<string, unknown>;
}

/** Outcome events, written in the same transaction as the order they describe. */
export class OutboxRepository {
  async append(manager: EntityManager, event: OutboxEvent): Promise<void> {
    await queryRows(manager, `INSERT INTO outbox_events (event_id, customer_id, type, payload) VALUES ($1, $2, $3, $4)`, [
      event.eventId,
      event.customerId,
      event.type,
      JSON.stringify(event.payload),
    ]);
  }
}
