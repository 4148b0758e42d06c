import { AppConfig } from '@orderflow/config/app-config';

/** Connections for the orders' database work: one stays with the outbox relay. */
export const databaseSlots = (c: AppConfig): number => Math.max(1, c.databasePoolSize - 1);

/**
 * Messages a transport of this worker's orders handles at once. One placement per statement: one
 * per connection, or messages would time out waiting for one and burn their receive count.
 * Batched (PLACEMENT_BATCH > 1): a connection serves a batch, so every message received
 * may be in progress.
 */
export const messageSlots = (c: AppConfig): number => (c.placementBatch > 1 ? Math.max(databaseSlots(c), c.worker.maxInFlight) : databaseSlots(c));
