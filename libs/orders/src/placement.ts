import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Order, PlaceOrderCommand } from '@orderflow/domain/order';
import { decidePlacement } from '@orderflow/domain/placement-decision';
import { newOrder } from '@orderflow/domain/new-order';
import { publicOrder, StoredOrder } from '@orderflow/persistence/orders.repository';
import { PlacementRepository, PlacementSnapshot } from '@orderflow/persistence/placement.repository';
import { BatchedPlacement, PlacementBatchRepository } from '@orderflow/persistence/placement-batch.repository';
import { IdempotencyConflictError, PlacementConflictError, StaleLockError } from './order-errors';
import { placementBatchFallbacks } from '@orderflow/observability/metrics';
import { CommandContext, orderEvent, placementEventType } from './order-events';

export interface PlaceOrderResult {
  order: Order;
  /** False when the idempotency key had already been processed (a replay). */
  created: boolean;
}

/** Snapshots a placement decides on before it gives up (each conflict means another write won). */
const PLACEMENT_ATTEMPTS = 5;

const placements = new PlacementRepository();
const batches = new PlacementBatchRepository();

/**
 * Places one order with PlacementRepository's two statements: read, decide, write if nothing
 * changed meanwhile, else read and decide again. OrderProcessingService runs it for an order
 * alone (a batch of one, PLACEMENT_BATCH=1, or each order of a batch that was out of date); the
 * benchmark's raw lane runs exactly this. Throws StaleLockError when a newer lock holder has
 * written for the customer, or when `beforeWrite` does (the lease was lost).
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
  return placeRequest(manager, { command, requestHash, context, fenceToken, beforeWrite }, version);
}

/** placeOrder for a request as OrderProcessingService and placeBatch hold it. */
export async function placeRequest(manager: EntityManager, request: PlacementRequest, version: string | null): Promise<PlaceOrderResult> {
  const { command, beforeWrite } = request;
  for (let attempt = 1; attempt <= PLACEMENT_ATTEMPTS; attempt++) {
    const snapshot = await placements.snapshot(manager, { customerId: command.customerId, clientOrderId: command.clientOrderId, skus: skusOf(command) });
    const plan = planPlacement(request, snapshot, version);
    if ('replay' in plan) return plan.replay;
    beforeWrite();
    const { order, balanceDeltaCents, stockTaken, event, condition } = plan.write;
    const outcome = await placements.record(manager, order, balanceDeltaCents, stockTaken, event, condition);
    if (outcome === 'recorded') return plan.result;
  }
  throw new PlacementConflictError(command.customerId, PLACEMENT_ATTEMPTS);
}

/** One order to place, with what its caller holds: the lock's fencing token and a check that the lease is still held. */
export interface PlacementRequest {
  command: PlaceOrderCommand;
  requestHash: string;
  context: CommandContext;
  fenceToken: string;
  /** Throws (StaleLockError) once the lease is lost. */
  beforeWrite: () => void;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Places orders of different customers with PlacementBatchRepository's two statements: one
 * snapshot of them all, each decided in turn on it (an order sees the stock the ones before it
 * took), one write of them all. When the write finds any of them out of date, nothing was written
 * and each is placed on its own (placeOrder), so a batch decides exactly what the orders would
 * have decided one after another. A second order of a customer already in the batch, which must
 * follow the first, is placed on its own after it. Never rejects: each request gets its outcome.
 */
export async function placeBatch(manager: EntityManager, requests: readonly PlacementRequest[], version: string | null): Promise<Settled<PlaceOrderResult>[]> {
  const outcomes: Settled<PlaceOrderResult>[] = new Array(requests.length);
  const one = (request: PlacementRequest) => settle(() => placeRequest(manager, request, version));

  const batched: number[] = [];
  const after: number[] = [];
  const customers = new Set<string>();
  requests.forEach((request, index) => {
    if (customers.has(request.command.customerId)) after.push(index);
    else {
      customers.add(request.command.customerId);
      batched.push(index);
    }
  });

  if (batched.length === 1) outcomes[batched[0]] = await one(requests[batched[0]]);
  else {
    const skus = [...new Set(batched.flatMap((index) => skusOf(requests[index].command)))];
    const snapshots = await batches.snapshot(manager, batched.map((index) => requests[index].command), skus);
    const stock = new Map(snapshots[0]?.stock ?? []);
    const writes: Array<{ index: number; plan: Extract<PlacementPlan, { write: unknown }> }> = [];
    batched.forEach((index, position) => {
      const request = requests[index];
      try {
        // Before deciding: a lease lost now must not leave its stock taken in the others' view.
        request.beforeWrite();
        const plan = planPlacement(request, { ...snapshots[position], stock }, version);
        if ('replay' in plan) outcomes[index] = { ok: true, value: plan.replay };
        else {
          for (const [sku, quantity] of plan.write.stockTaken) stock.set(sku, stock.get(sku)! - quantity);
          writes.push({ index, plan });
        }
      } catch (error) {
        outcomes[index] = { ok: false, error };
      }
    });
    if (writes.length > 0) {
      const outcome = await batches.record(
        manager,
        writes.map(({ plan }) => plan.write),
        version,
      );
      if (outcome === 'conflict') placementBatchFallbacks.inc();
      for (const { index, plan } of writes) {
        outcomes[index] = outcome === 'recorded' ? { ok: true, value: plan.result } : await one(requests[index]);
      }
    }
  }
  for (const index of after) outcomes[index] = await one(requests[index]);
  return outcomes;
}

type PlacementPlan = { replay: PlaceOrderResult } | { write: BatchedPlacement; result: PlaceOrderResult };

/**
 * What one snapshot decides for one order: the stored order again (a replay), or the rows to
 * write. Throws StaleLockError when a newer lock holder has written for the customer, and
 * IdempotencyConflictError for a replay with another payload.
 */
function planPlacement(request: PlacementRequest, snapshot: PlacementSnapshot, version: string | null): PlacementPlan {
  const { command, requestHash, context, fenceToken } = request;
  if (snapshot.fenceToken !== null && BigInt(snapshot.fenceToken) > BigInt(fenceToken)) throw new StaleLockError(command.customerId);
  if (snapshot.existing) return { replay: { order: replayOf(snapshot.existing, requestHash), created: false } };

  const customer = snapshot.customer ?? { id: command.customerId, currency: command.currency, creditLimitCents: null, openBalanceCents: 0, lastOrderNumber: 0 };
  const decision = decidePlacement({ customer, currency: command.currency, items: command.items, stock: snapshot.stock });
  const now = new Date();
  const order = newOrder(command, decision, customer.lastOrderNumber + 1, context.source, randomUUID(), now, version);
  const confirmed = decision.status === 'CONFIRMED';
  return {
    write: {
      order: { ...order, requestHash, createdAt: now },
      balanceDeltaCents: confirmed ? decision.totalCents : 0,
      stockTaken: confirmed ? decision.stockToReserve : new Map(),
      event: orderEvent(placementEventType(order), order, context),
      condition: { rowVersion: snapshot.rowVersion, currencyIfNew: command.currency, fenceToken },
    },
    result: { order, created: true },
  };
}

function skusOf(command: PlaceOrderCommand): string[] {
  return [...new Set(command.items.map((item) => item.sku))];
}

async function settle<T>(work: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The stored order for a repeated idempotency key, or a conflict when the payload differs. */
function replayOf(existing: StoredOrder, requestHash: string): Order {
  if (existing.requestHash !== requestHash) throw new IdempotencyConflictError(existing.customerId, existing.clientOrderId);
  return publicOrder(existing);
}
