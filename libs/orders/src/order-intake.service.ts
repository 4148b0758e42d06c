import { ProblemDescription, ProblemError } from '@orderflow/domain/problem-error';
import { Order, PlaceOrderCommand } from '@orderflow/domain/order';
import { isTransientError } from './order-errors';
import { MaintenanceSwitch } from './maintenance-switch';
import { OrderProcessingService } from './order-processing.service';
import { OrderQueue } from './order-queue.port';

export type IntakeResult =
  | { kind: 'processed'; order: Order; created: boolean }
  | { kind: 'accepted'; reason: 'requested' | 'maintenance' | 'unavailable' };

/** The queue is unreachable too: the caller must retry later (HTTP 503). */
export class IntakeUnavailableError extends ProblemError {
  constructor(cause: unknown) {
    super('orders can be neither processed nor queued right now', { cause });
    this.name = 'IntakeUnavailableError';
  }

  problem(): ProblemDescription {
    return { status: 503, slug: 'service-unavailable', detail: 'Orders can be neither processed nor queued right now; retry later', retryAfterSeconds: 5 };
  }
}

/**
 * Accepts an order from the REST API: processes it at once when it can, and otherwise puts it
 * on the orders queue (the worker processes it later with the same rules), so that orders are
 * still taken during maintenance or while the database or Redis is down.
 */
export class OrderIntakeService {
  constructor(
    private readonly processing: OrderProcessingService,
    private readonly queue: OrderQueue | null,
    private readonly maintenance: MaintenanceSwitch,
  ) {}

  async submit(
    command: PlaceOrderCommand,
    options: { preferAsync: boolean; correlationId?: string; traceparent?: string },
  ): Promise<IntakeResult> {
    const context = { correlationId: options.correlationId, traceparent: options.traceparent };
    if (options.preferAsync) return this.enqueue(command, context, 'requested');
    if (this.maintenance.isOn()) return this.enqueue(command, context, 'maintenance');
    try {
      const { order, created } = await this.processing.placeOrder(command, { source: 'http', ...context });
      return { kind: 'processed', order, created };
    } catch (error) {
      // Rolled back, nothing written: the worker will process it once the dependency is back.
      if (isTransientError(error)) return this.enqueue(command, context, 'unavailable', error);
      throw error;
    }
  }

  private async enqueue(
    command: PlaceOrderCommand,
    context: { correlationId?: string; traceparent?: string },
    reason: 'requested' | 'maintenance' | 'unavailable',
    processingError?: unknown,
  ): Promise<IntakeResult> {
    if (!this.queue) throw new IntakeUnavailableError(processingError ?? new Error('no orders queue configured'));
    try {
      await this.queue.enqueuePlace(command, context);
      return { kind: 'accepted', reason };
    } catch (error) {
      throw new IntakeUnavailableError(error);
    }
  }
}
