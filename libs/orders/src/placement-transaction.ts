import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Order, PlaceOrderCommand } from '@orderflow/domain/order';
import { decidePlacement, PlacementDecision } from '@orderflow/domain/placement-decision';
import { newOrder } from '@orderflow/domain/new-order';
import { publicOrder, StoredOrder } from '@orderflow/persistence/orders.repository';
import { PlacementRepository } from '@orderflow/persistence/placement.repository';
import { IdempotencyConflictError, StaleLockError } from './order-errors';
import { CommandContext, orderEvent, placementEventType } from './order-events';

export interface PlaceOrderResult {
  order: Order;
  /** False when the idempotency key had already been processed (a replay). */
  created: boolean;
}

const placements = new PlacementRepository();

/**
 * The statements of one placement, inside a transaction the caller opened: the REST and SQS
 * paths (OrderProcessingService) and the benchmark's raw lane run exactly this. Two statements:
 * the fenced customer lock with the idempotency lookup and the stock lock, then every write.
 * Throws StaleLockError when a newer lock holder has written (the lease expired).
 */
export async function placeInTransaction(
  manager: EntityManager,
  command: PlaceOrderCommand,
  requestHash: string,
  context: CommandContext,
  fenceToken: string,
  /** The release that processes it (orders.processed_by_version); null in the raw lane. */
  version: string | null,
): Promise<PlaceOrderResult> {
  const start = await placements.start(manager, {
    customerId: command.customerId,
    currencyIfNew: command.currency,
    fenceToken,
    clientOrderId: command.clientOrderId,
    skus: [...new Set(command.items.map((item) => item.sku))],
  });
  if (!start) throw new StaleLockError(command.customerId);
  if (start.existing) return { order: replayOf(start.existing, requestHash), created: false };

  const { customer, stock } = start;
  const decision: PlacementDecision = decidePlacement({ customer, currency: command.currency, items: command.items, stock });
  const now = new Date();
  const order = newOrder(command, decision, customer.lastOrderNumber + 1, context.source, randomUUID(), now, version);
  const confirmed = decision.status === 'CONFIRMED';
  await placements.record(
    manager,
    { ...order, requestHash, createdAt: now },
    confirmed ? decision.totalCents : 0,
    confirmed ? decision.stockToReserve : new Map(),
    orderEvent(placementEventType(order), order, context),
    fenceToken,
  );
  return { order, created: true };
}

/** The stored order for a repeated idempotency key, or a conflict when the payload differs. */
function replayOf(existing: StoredOrder, requestHash: string): Order {
  if (existing.requestHash !== requestHash) throw new IdempotencyConflictError(existing.customerId, existing.clientOrderId);
  return publicOrder(existing);
}
