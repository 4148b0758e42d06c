import { PlaceOrderCommand } from '@orderflow/domain/order';
import { compileValidator, FieldError } from './schema-validator';
import { placeOrderDeduplicationId } from './deduplication-id';
import { cancelOrderMessageSchema, placeOrderMessageSchema } from './order-message.schema';

export type OrderMessage =
  | { type: 'order.place'; version: 1; order: PlaceOrderCommand }
  | { type: 'order.cancel'; version: 1; customerId: string; orderId: string };

/** Why a message can never succeed; sent with it to the dead-letter queue. */
export type PoisonReason = 'INVALID_JSON' | 'UNKNOWN_TYPE' | 'UNSUPPORTED_VERSION' | 'SCHEMA_VIOLATION';

export type ParsedMessage = { ok: true; message: OrderMessage } | { ok: false; reason: PoisonReason; detail: string };

const validators = {
  'order.place': compileValidator<OrderMessage>(placeOrderMessageSchema),
  'order.cancel': compileValidator<OrderMessage>(cancelOrderMessageSchema),
};
const SUPPORTED_VERSIONS: Record<string, number[]> = { 'order.place': [1], 'order.cancel': [1] };

/** Parses and validates a message body against contract v1. */
export function parseOrderMessage(body: string | undefined): ParsedMessage {
  let data: unknown;
  try {
    data = JSON.parse(body ?? '');
  } catch (error) {
    return { ok: false, reason: 'INVALID_JSON', detail: (error as Error).message };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, reason: 'SCHEMA_VIOLATION', detail: 'the body must be a JSON object' };
  }
  const { type, version } = data as { type?: unknown; version?: unknown };
  if (typeof type !== 'string' || !(type in validators)) {
    return { ok: false, reason: 'UNKNOWN_TYPE', detail: `unknown message type ${JSON.stringify(type ?? null)}` };
  }
  if (!SUPPORTED_VERSIONS[type].includes(version as number)) {
    return { ok: false, reason: 'UNSUPPORTED_VERSION', detail: `${type} version ${JSON.stringify(version ?? null)} is not supported` };
  }
  const validation = validators[type as keyof typeof validators](data);
  if (!validation.ok) return { ok: false, reason: 'SCHEMA_VIOLATION', detail: describe(validation.errors) };
  return { ok: true, message: validation.value };
}

function describe(errors: FieldError[]): string {
  return errors.map((e) => `${e.field} ${e.message}`).join('; ');
}

/** The customer a valid message belongs to: the key that orders its processing. */
export function customerOf(message: OrderMessage): string {
  return message.type === 'order.place' ? message.order.customerId : message.customerId;
}

/**
 * The SQS fields of an `order.place` message (contract v1) for a command; on a FIFO queue also
 * its group (the customer) and deduplication id. Every producer of this code base uses it.
 */
export function placeOrderMessageFields(command: PlaceOrderCommand, fifo: boolean) {
  return {
    MessageBody: JSON.stringify({ type: 'order.place', version: 1, order: command }),
    ...(fifo
      ? { MessageGroupId: command.customerId, MessageDeduplicationId: placeOrderDeduplicationId(command.customerId, command.clientOrderId) }
      : {}),
  };
}
