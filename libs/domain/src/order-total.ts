import { LineItem } from './order';

/** The total is always computed from the items, never taken from input. */
export function orderTotalCents(items: readonly LineItem[]): number {
  let total = 0;
  for (const item of items) total += item.quantity * item.unitPriceCents;
  if (!Number.isSafeInteger(total)) throw new RangeError('order total exceeds the safe integer range');
  return total;
}

/** Quantities per SKU: an order may list one SKU on several lines. */
export function quantitiesBySku(items: readonly LineItem[]): Map<string, number> {
  const bySku = new Map<string, number>();
  for (const item of items) bySku.set(item.sku, (bySku.get(item.sku) ?? 0) + item.quantity);
  return bySku;
}
