import { LineItem, OrderStatus } from './order';
import { quantitiesBySku } from './order-total';

export type CancellationDecision =
  | { kind: 'cancel'; creditToRelease: number; stockToRelease: Map<string, number> }
  | { kind: 'already-cancelled' }
  | { kind: 'not-cancellable'; status: OrderStatus };

/** Only a CONFIRMED order can be cancelled; cancelling gives back its stock and credit. */
export function decideCancellation(order: {
  status: OrderStatus;
  totalCents: number;
  items: readonly LineItem[];
}): CancellationDecision {
  if (order.status === 'CANCELLED') return { kind: 'already-cancelled' };
  if (order.status !== 'CONFIRMED') return { kind: 'not-cancellable', status: order.status };
  return { kind: 'cancel', creditToRelease: order.totalCents, stockToRelease: quantitiesBySku(order.items) };
}
