import { Order, OrderSource, PlaceOrderCommand } from './order';
import { PlacementDecision } from './placement-decision';

/** The order a placement creates: the command's data, the decision, and the customer's next number. */
export function newOrder(
  command: PlaceOrderCommand,
  decision: PlacementDecision,
  orderNumber: number,
  source: OrderSource,
  id: string,
  now: Date,
  processedByVersion: string | null,
): Order {
  return {
    id,
    customerId: command.customerId,
    clientOrderId: command.clientOrderId,
    orderNumber,
    status: decision.status,
    rejectionReason: decision.status === 'REJECTED' ? decision.reason : null,
    currency: command.currency,
    totalCents: decision.totalCents,
    // Copies only the known fields: the command may come from a JSON body.
    items: command.items.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents })),
    shippingAddress: command.shippingAddress ?? null,
    metadata: command.metadata ?? null,
    source,
    processedByVersion,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}
