import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Order, PlaceOrderCommand } from '@orderflow/domain/order';
import { decidePlacement } from '@orderflow/domain/placement-decision';
import { newOrder } from '@orderflow/domain/new-order';
import { publicOrder, StoredOrder } from '@orderflow/persistence/orders.repository';
import { PlacementRepository } from '@orderflow/persistence/placement.repository';
import { IdempotencyConflictError, PlacementConflictError, StaleLockError } from './order-errors';
import { CommandContext, orderEvent, placementEventType } from './order-events';

export interface PlaceOrderResult {
  order: Order;
  /** False when the idempotency key had already been processed (a replay). */
  created: boolean;
}

/** Snapshots a placement decides on before it gives up (each conflict means another write won). */
const PLACEMENT_ATTEMPTS = 5;

const placements = new PlacementRepository();

/**
 * Places one order with PlacementRepository's two statements: read, decide, write if nothing
 * changed meanwhile, else read and decide again. The REST and SQS paths (OrderProcessingService)
 * and the benchmark's raw lane run exactly this. Throws StaleLockError when a newer lock holder
 * has written for the customer, or when `beforeWrite` does (the lease was lost).
 */
export async function placeOrder(
  manager: EntityManager,
  command: PlaceOrderCommand,
  requestHash: string,
  context: CommandContext,
  fenceToken: string,
  /** The release that processes it (orders.processed_by_version); null in the raw lane. */
  version: string | null,
  beforeWrite: () => void = () => undefined,
): Promise<PlaceOrderResult> {
  const skus = [...new Set(command.items.map((item) => item.sku))];
  for (let attempt = 1; attempt <= PLACEMENT_ATTEMPTS; attempt++) {
    const snapshot = await placements.snapshot(manager, { customerId: command.customerId, clientOrderId: command.clientOrderId, skus });
    if (snapshot.fenceToken !== null && BigInt(snapshot.fenceToken) > BigInt(fenceToken)) throw new StaleLockError(command.customerId);
    if (snapshot.existing) return { order: replayOf(snapshot.existing, requestHash), created: false };

    const customer = snapshot.customer ?? { id: command.customerId, currency: command.currency, creditLimitCents: null, openBalanceCents: 0, lastOrderNumber: 0 };
    const decision = decidePlacement({ customer, currency: command.currency, items: command.items, stock: snapshot.stock });
    const now = new Date();
    const order = newOrder(command, decision, customer.lastOrderNumber + 1, context.source, randomUUID(), now, version);
    const confirmed = decision.status === 'CONFIRMED';
    beforeWrite();
    const outcome = await placements.record(
      manager,
      { ...order, requestHash, createdAt: now },
      confirmed ? decision.totalCents : 0,
      confirmed ? decision.stockToReserve : new Map(),
      orderEvent(placementEventType(order), order, context),
      { rowVersion: snapshot.rowVersion, currencyIfNew: command.currency, fenceToken },
    );
    if (outcome === 'recorded') return { order, created: true };
  }
  throw new PlacementConflictError(command.customerId, PLACEMENT_ATTEMPTS);
}

/** The stored order for a repeated idempotency key, or a conflict when the payload differs. */
function replayOf(existing: StoredOrder, requestHash: string): Order {
  if (existing.requestHash !== requestHash) throw new IdempotencyConflictError(existing.customerId, existing.clientOrderId);
  return publicOrder(existing);
}
