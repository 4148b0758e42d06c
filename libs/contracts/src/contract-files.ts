import { orderEventSchema } from './order-event.schema';
import { orderMessageSchema } from './order-message.schema';
import { placeOrderSchema } from './place-order.schema';

/** The JSON Schemas other systems depend on, as committed under docs/contracts/. */
export const CONTRACT_FILES: Record<string, object> = {
  'order-message.v1.schema.json': orderMessageSchema,
  'order-event.v1.schema.json': orderEventSchema,
  'place-order.v1.schema.json': { $schema: 'https://json-schema.org/draft/2020-12/schema', ...placeOrderSchema },
};
