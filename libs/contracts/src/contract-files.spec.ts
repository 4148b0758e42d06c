import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_FILES } from './contract-files';
import { parseOrderMessage } from './order-message';
import { compileValidator } from './schema-validator';
import { orderEventSchema } from './order-event.schema';

describe('message contracts', () => {
  it.each(Object.keys(CONTRACT_FILES))('docs/contracts/%s matches the schema the code validates with (run `npm run contracts`)', (file) => {
    const committed = JSON.parse(readFileSync(join(__dirname, '../../../docs/contracts', file), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(CONTRACT_FILES[file])));
  });

  const order = { customerId: 'c-1', clientOrderId: 'o-1', currency: 'EUR', items: [{ sku: 'A', quantity: 1, unitPriceCents: 5 }] };

  it('accepts the documented place and cancel messages', () => {
    expect(parseOrderMessage(JSON.stringify({ type: 'order.place', version: 1, order }))).toEqual({
      ok: true,
      message: { type: 'order.place', version: 1, order },
    });
    const cancel = { type: 'order.cancel', version: 1, customerId: 'c-1', orderId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' };
    expect(parseOrderMessage(JSON.stringify(cancel))).toEqual({ ok: true, message: cancel });
  });

  it.each([
    ['{oops', 'INVALID_JSON'],
    ['[1,2]', 'SCHEMA_VIOLATION'],
    ['{"type":"order.ship","version":1}', 'UNKNOWN_TYPE'],
    ['{"version":1}', 'UNKNOWN_TYPE'],
    [JSON.stringify({ type: 'order.place', version: 2, order }), 'UNSUPPORTED_VERSION'],
    [JSON.stringify({ type: 'order.place', version: 1, order: { ...order, currency: 'XXXX' } }), 'SCHEMA_VIOLATION'],
    [JSON.stringify({ type: 'order.place', version: 1, order, extra: true }), 'SCHEMA_VIOLATION'],
    [JSON.stringify({ type: 'order.cancel', version: 1, customerId: 'c', orderId: 'not-a-uuid' }), 'SCHEMA_VIOLATION'],
  ])('classifies %s as %s', (body, reason) => {
    expect(parseOrderMessage(body)).toMatchObject({ ok: false, reason });
  });

  it('describes an event the relay publishes', () => {
    const validate = compileValidator(orderEventSchema);
    const event = {
      eventId: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      type: 'order.confirmed',
      version: 1,
      occurredAt: '2026-11-24T10:00:00.000Z',
      correlationId: null,
      traceparent: null,
      order: {
        ...order,
        id: '1b4e28ba-2fa1-11d2-883f-0016d3cca428',
        orderNumber: 1,
        status: 'CONFIRMED',
        rejectionReason: null,
        totalCents: 5,
        shippingAddress: null,
        metadata: null,
        source: 'sqs',
        processedByVersion: '2.0.0',
        createdAt: '2026-11-24T10:00:00.000Z',
        updatedAt: '2026-11-24T10:00:00.000Z',
      },
    };
    expect(validate(event)).toEqual({ ok: true, value: event });
    // Events published before versions were recorded, and orders placed before, stay valid.
    const { processedByVersion: _absent, ...olderOrder } = event.order;
    expect(validate({ ...event, order: olderOrder }).ok).toBe(true);
    expect(validate({ ...event, order: { ...event.order, processedByVersion: null } }).ok).toBe(true);
    expect(validate({ ...event, order: { ...event.order, processedByVersion: 2 } }).ok).toBe(false);
  });
});
