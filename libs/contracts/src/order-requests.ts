import { PlaceOrderCommand } from '@orderflow/domain/order';
import { compileValidator } from './schema-validator';
import { placeOrderSchema } from './place-order.schema';

/** Validators for the request bodies of the REST API (admin routes included). */
export const validatePlaceOrder = compileValidator<PlaceOrderCommand>(placeOrderSchema);

export const customerAccountSchema = {
  title: 'CustomerAccountUpdate',
  type: 'object',
  additionalProperties: false,
  required: ['currency', 'creditLimitCents'],
  properties: {
    currency: placeOrderSchema.properties.currency,
    creditLimitCents: { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  },
} as const;
export const validateCustomerAccount = compileValidator<{ currency: string; creditLimitCents: number | null }>(
  customerAccountSchema,
);

export const inventorySchema = {
  title: 'InventoryUpdate',
  type: 'object',
  additionalProperties: false,
  required: ['available'],
  properties: { available: { type: 'integer', minimum: 0, maximum: 2147483647 } },
} as const;
export const validateInventory = compileValidator<{ available: number }>(inventorySchema);
