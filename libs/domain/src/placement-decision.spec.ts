import { decidePlacement } from './placement-decision';
import { decideCancellation } from './cancellation-decision';
import { orderTotalCents } from './order-total';
import { canonicalJson, requestFingerprint } from './request-fingerprint';

const customer = { currency: 'EUR', creditLimitCents: 10_000, openBalanceCents: 0 };
const items = [
  { sku: 'A', quantity: 2, unitPriceCents: 1_000 },
  { sku: 'B', quantity: 1, unitPriceCents: 500 },
  { sku: 'A', quantity: 1, unitPriceCents: 1_000 },
];

describe('order total', () => {
  it('is the sum of quantity times unit price', () => {
    expect(orderTotalCents(items)).toBe(3_500);
  });
  it('refuses totals beyond the safe integer range', () => {
    expect(() => orderTotalCents([{ sku: 'X', quantity: 10_000, unitPriceCents: Number.MAX_SAFE_INTEGER }])).toThrow(RangeError);
  });
});

describe('placing an order', () => {
  it('confirms within limit and reserves stock of tracked SKUs only, summed per SKU', () => {
    const decision = decidePlacement({ customer, currency: 'EUR', items, stock: new Map([['A', 3]]) });
    expect(decision).toEqual({ status: 'CONFIRMED', totalCents: 3_500, stockToReserve: new Map([['A', 3]]) });
  });

  it('rejects a currency other than the account currency first', () => {
    const decision = decidePlacement({ customer: { ...customer, openBalanceCents: 10_000 }, currency: 'USD', items, stock: new Map([['A', 0]]) });
    expect(decision).toMatchObject({ status: 'REJECTED', reason: 'CURRENCY_MISMATCH' });
  });

  it('rejects when the open balance would exceed the credit limit, and accepts exactly at the limit', () => {
    expect(decidePlacement({ customer: { ...customer, openBalanceCents: 6_501 }, currency: 'EUR', items, stock: new Map() })).toMatchObject({
      status: 'REJECTED',
      reason: 'CREDIT_LIMIT_EXCEEDED',
    });
    expect(decidePlacement({ customer: { ...customer, openBalanceCents: 6_500 }, currency: 'EUR', items, stock: new Map() }).status).toBe('CONFIRMED');
  });

  it('has no limit when the credit limit is null', () => {
    const decision = decidePlacement({ customer: { currency: 'EUR', creditLimitCents: null, openBalanceCents: 1e12 }, currency: 'EUR', items, stock: new Map() });
    expect(decision.status).toBe('CONFIRMED');
  });

  it('rejects with INSUFFICIENT_STOCK when the summed quantity of a SKU exceeds what is available', () => {
    const decision = decidePlacement({ customer, currency: 'EUR', items, stock: new Map([['A', 2], ['B', 10]]) });
    expect(decision).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_STOCK', totalCents: 3_500 });
  });
});

describe('cancelling an order', () => {
  it('releases credit and stock of a confirmed order', () => {
    expect(decideCancellation({ status: 'CONFIRMED', totalCents: 3_500, items })).toEqual({
      kind: 'cancel',
      creditToRelease: 3_500,
      stockToRelease: new Map([['A', 3], ['B', 1]]),
    });
  });
  it('is a no-op on a cancelled order and refused on a rejected one', () => {
    expect(decideCancellation({ status: 'CANCELLED', totalCents: 1, items })).toEqual({ kind: 'already-cancelled' });
    expect(decideCancellation({ status: 'REJECTED', totalCents: 1, items })).toEqual({ kind: 'not-cancellable', status: 'REJECTED' });
  });
});

describe('request fingerprint', () => {
  const command = { customerId: 'c', clientOrderId: 'o', currency: 'EUR', items, metadata: { b: 1, a: [1, { y: 2, x: 1 }] } };
  it('ignores key order but not values', () => {
    const reordered = { ...command, metadata: { a: [1, { x: 1, y: 2 }], b: 1 } };
    expect(requestFingerprint(reordered)).toBe(requestFingerprint(command));
    expect(requestFingerprint({ ...command, currency: 'USD' })).not.toBe(requestFingerprint(command));
    expect(requestFingerprint({ ...command, items: [...items].reverse() })).not.toBe(requestFingerprint(command));
  });
  it('treats absent and null optional fields alike', () => {
    const { metadata: _m, ...bare } = command;
    expect(requestFingerprint(bare)).toBe(requestFingerprint({ ...bare, metadata: null, shippingAddress: undefined }));
  });
  it('serialises canonically', () => {
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: 'x' })).toBe('{"a":"x","b":[2,{"c":null,"d":1}]}');
  });
});
