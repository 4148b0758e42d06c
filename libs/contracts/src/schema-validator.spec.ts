import { compileValidator, FieldError } from './schema-validator';
import { validateCustomerAccount, validatePlaceOrder } from './order-requests';

const order = {
  customerId: 'cust-1',
  clientOrderId: 'order-1',
  currency: 'EUR',
  items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 }],
};

function errorsOf(result: ReturnType<typeof validatePlaceOrder>): FieldError[] {
  if (result.ok) throw new Error('expected the input to be invalid');
  return result.errors;
}

describe('validating a request against its JSON Schema', () => {
  it('accepts a valid order and hands back the same value', () => {
    const result = validatePlaceOrder(order);
    expect(result).toEqual({ ok: true, value: order });
  });

  it('reports every bad field with a JSON pointer: nested, missing and unknown fields alike', () => {
    const errors = errorsOf(
      validatePlaceOrder({
        customerId: 'bad id!',
        currency: 'EUR',
        items: [
          { sku: 'A', quantity: 1, unitPriceCents: 1 },
          { quantity: 0, unitPriceCents: -1, colour: 'red' },
        ],
        totalCents: 5,
      }),
    );
    expect(errors.map((error) => error.field).sort()).toEqual([
      '/clientOrderId',
      '/customerId',
      '/items/1/colour',
      '/items/1/quantity',
      '/items/1/sku',
      '/items/1/unitPriceCents',
      '/totalCents',
    ]);
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: '/clientOrderId', message: 'is required' },
        { field: '/items/1/sku', message: 'is required' },
        { field: '/totalCents', message: 'is not allowed' },
        { field: '/items/1/colour', message: 'is not allowed' },
        { field: '/items/1/quantity', message: 'must be >= 1' },
      ]),
    );
  });

  it('gives one message per field even when it breaks several rules', () => {
    // Too long and outside the character set: two schema rules, one field.
    const errors = errorsOf(validatePlaceOrder({ ...order, customerId: '!'.repeat(65), currency: 'eur' }));
    expect(errors.filter((error) => error.field === '/customerId')).toHaveLength(1);
    expect(errors.filter((error) => error.field === '/currency')).toHaveLength(1);
    expect(errors).toHaveLength(2);
  });

  it('points at the root when the body is not an object', () => {
    expect(errorsOf(validatePlaceOrder([order]))).toEqual([{ field: '/', message: 'must be object' }]);
    expect(errorsOf(validatePlaceOrder(null))).toEqual([{ field: '/', message: 'must be object' }]);
  });

  it('bounds the number of items to 1..100', () => {
    expect(errorsOf(validatePlaceOrder({ ...order, items: [] }))).toEqual([{ field: '/items', message: 'must NOT have fewer than 1 items' }]);
    const many = Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1, unitPriceCents: 1 }));
    expect(errorsOf(validatePlaceOrder({ ...order, items: many }))).toEqual([{ field: '/items', message: 'must NOT have more than 100 items' }]);
    expect(validatePlaceOrder({ ...order, items: many.slice(0, 100) }).ok).toBe(true);
  });

  describe('currency codes', () => {
    it('accepts active ISO 4217 codes', () => {
      for (const currency of ['EUR', 'USD', 'JPY', 'CHF']) expect(validatePlaceOrder({ ...order, currency }).ok).toBe(true);
    });

    it('refuses three letters that are not an ISO 4217 code', () => {
      expect(errorsOf(validatePlaceOrder({ ...order, currency: 'ZZZ' }))).toEqual([
        { field: '/currency', message: 'must be an ISO 4217 currency code' },
      ]);
    });

    it('refuses lower case and other lengths by pattern, with one message', () => {
      for (const currency of ['eur', 'EURO', '']) {
        const errors = errorsOf(validatePlaceOrder({ ...order, currency }));
        expect(errors).toEqual([{ field: '/currency', message: expect.stringContaining('pattern') }]);
      }
    });

    it('checks the account currency of the admin route the same way', () => {
      expect(validateCustomerAccount({ currency: 'XYZ', creditLimitCents: null })).toEqual({
        ok: false,
        errors: [{ field: '/currency', message: 'must be an ISO 4217 currency code' }],
      });
    });
  });

  it('compiles any schema, reporting missing properties under their parent', () => {
    const validate = compileValidator<{ a: { b: number } }>({
      type: 'object',
      required: ['a'],
      properties: { a: { type: 'object', required: ['b'], properties: { b: { type: 'integer' } } } },
    });
    expect(validate({ a: { b: 1 } }).ok).toBe(true);
    expect(validate({})).toEqual({ ok: false, errors: [{ field: '/a', message: 'is required' }] });
    expect(validate({ a: {} })).toEqual({ ok: false, errors: [{ field: '/a/b', message: 'is required' }] });
    expect(validate({ a: { b: 1.5 } })).toEqual({ ok: false, errors: [{ field: '/a/b', message: 'must be integer' }] });
  });
});
