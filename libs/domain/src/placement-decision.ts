import { CustomerAccount, LineItem, RejectionReason } from './order';
import { orderTotalCents, quantitiesBySku } from './order-total';

export type PlacementDecision =
  | { status: 'CONFIRMED'; totalCents: number; stockToReserve: Map<string, number> }
  | { status: 'REJECTED'; totalCents: number; reason: RejectionReason };

export interface PlacementInput {
  customer: Pick<CustomerAccount, 'currency' | 'creditLimitCents' | 'openBalanceCents'>;
  currency: string;
  items: readonly LineItem[];
  /** Available stock of the order's SKUs that have an inventory record; absent SKUs are not tracked. */
  stock: ReadonlyMap<string, number>;
}

/**
 * Confirms or rejects an order. Checks run in a fixed order (currency, credit, stock)
 * so that the same state always yields the same reason.
 */
export function decidePlacement(input: PlacementInput): PlacementDecision {
  const totalCents = orderTotalCents(input.items);
  if (input.customer.currency !== input.currency) {
    return { status: 'REJECTED', totalCents, reason: 'CURRENCY_MISMATCH' };
  }
  const limit = input.customer.creditLimitCents;
  if (limit !== null && input.customer.openBalanceCents + totalCents > limit) {
    return { status: 'REJECTED', totalCents, reason: 'CREDIT_LIMIT_EXCEEDED' };
  }
  const stockToReserve = new Map<string, number>();
  for (const [sku, quantity] of quantitiesBySku(input.items)) {
    const available = input.stock.get(sku);
    if (available === undefined) continue;
    if (available < quantity) return { status: 'REJECTED', totalCents, reason: 'INSUFFICIENT_STOCK' };
    stockToReserve.set(sku, quantity);
  }
  return { status: 'CONFIRMED', totalCents, stockToReserve };
}
