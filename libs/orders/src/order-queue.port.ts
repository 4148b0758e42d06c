import { PlaceOrderCommand } from '@orderflow/domain/order';

/**
 * Where the API puts orders it accepts without processing them (Prefer: respond-async,
 * maintenance, a dependency down). Implemented over SQS by libs/messaging.
 */
export interface OrderQueue {
  enqueuePlace(command: PlaceOrderCommand, context: { correlationId?: string; traceparent?: string }): Promise<void>;
  /** Resolves when the queue answers; for readiness checks. */
  ping(): Promise<void>;
}

export const ORDER_QUEUE = Symbol('ORDER_QUEUE');
