import { ArgumentsHost, Catch, Controller, Inject, Optional, RpcExceptionFilter, UseFilters } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import { OrderProcessingService } from '@orderflow/orders/order-processing.service';
import { IdempotencyConflictError, OrderNotCancellableError, OrderNotFoundError } from '@orderflow/orders/order-errors';
import { OrderMessage } from '@orderflow/contracts/order-message';
import { Order } from '@orderflow/domain/order';
import { CommandContext } from '@orderflow/orders/order-events';
import { PermanentMessageError } from '@orderflow/messaging/sqs.transport';
import { SqsContext } from '@orderflow/messaging/sqs-context';
import { AdaptiveLimiter } from '@orderflow/orders/adaptive-concurrency';
import { VersionRouter } from './version-routing/version-router';
import { VersionRouting } from './version-routing/version-routing';
import { WorkerFigures } from '@orderflow/release/worker-figures';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { AppConfig } from '@orderflow/config/app-config';

/** How many messages may be in the database at once (worker.module.ts). */
export const WORKER_LIMITER = Symbol('WORKER_LIMITER');

/** Hands handler errors to the transport unchanged, so that it can tell retry from dead-letter. */
@Catch()
class RethrowFilter implements RpcExceptionFilter {
  catch(error: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => error);
  }
}

/**
 * Order commands from the queue, translated to the same service the REST API calls. The one
 * place where processing errors become "never retry" (dead-letter) for the worker.
 */
@Controller()
@UseFilters(RethrowFilter)
export class OrderMessagesController {
  /** Version queues on: whose message this is, and settling the customer's barrier once done. */
  private readonly router: VersionRouter | null;
  /** Version queues on: outcomes for the worker release controller. */
  private readonly figures: WorkerFigures | null;
  private readonly version: string;

  constructor(
    private readonly processing: OrderProcessingService,
    @Inject(WORKER_LIMITER) private readonly limiter: AdaptiveLimiter,
    @Optional() @Inject(VersionRouting) routing: VersionRouting | null,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.router = routing?.router ?? null;
    this.figures = routing?.figures ?? null;
    this.version = config.version;
  }

  @MessagePattern('order.place')
  async place(@Payload() message: OrderMessage, @Ctx() sqs: SqsContext) {
    if (message.type !== 'order.place') throw new PermanentMessageError('UNKNOWN_TYPE', message.type);
    try {
      return await this.processRouted(message, sqs, () => this.processing.placeOrder(message.order, commandContext(sqs)), (error) => error instanceof IdempotencyConflictError);
    } catch (error) {
      if (error instanceof IdempotencyConflictError) throw new PermanentMessageError('IDEMPOTENCY_CONFLICT', error.message);
      throw error;
    }
  }

  @MessagePattern('order.cancel')
  async cancel(@Payload() message: OrderMessage, @Ctx() sqs: SqsContext) {
    if (message.type !== 'order.cancel') throw new PermanentMessageError('UNKNOWN_TYPE', message.type);
    try {
      return await this.processRouted(
        message,
        sqs,
        () => this.processing.cancelOrder(message.orderId, commandContext(sqs), message.customerId),
        (error) => error instanceof OrderNotFoundError || error instanceof OrderNotCancellableError,
      );
    } catch (error) {
      if (error instanceof OrderNotFoundError) throw new PermanentMessageError('ORDER_NOT_FOUND', error.message);
      // Cancelling a rejected order is an answer, not a failure: the message is done.
      if (error instanceof OrderNotCancellableError) {
        await this.router?.settle(message);
        return { orderId: error.orderId, status: error.status };
      }
      throw error;
    }
  }

  /**
   * Once one of the worker's DATABASE_POOL_SIZE - 1 slots is free: routes the message (version
   * queues on; the assignment is read as late as it can be), runs the work with its outcome
   * recorded (its transaction then waits for the adaptive limit, see worker.module), then settles
   * the customer's barrier. `isAnswer`: errors that answer the message rather than fail it (not retried).
   */
  private processRouted(
    message: OrderMessage,
    sqs: SqsContext,
    work: () => Promise<{ order: Order }>,
    isAnswer: (error: unknown) => boolean,
  ): Promise<{ orderId: string; status: Order['status'] } | { movedTo: string }> {
    return this.limiter.run(async () => {
      const routed = await this.router?.route(message, sqs);
      if (routed?.action === 'moved') return { movedTo: routed.to };
      const started = Date.now();
      try {
        const { order } = await work();
        this.figures?.record(this.version, { failed: false, ms: Date.now() - started });
        await this.router?.settle(message);
        return { orderId: order.id, status: order.status };
      } catch (error) {
        this.figures?.record(this.version, { failed: !isAnswer(error), ms: Date.now() - started });
        throw error;
      }
    });
  }
}

/** The trace of a queued command: the producer's correlation id and W3C trace context. */
function commandContext(sqs: SqsContext): CommandContext {
  return { source: 'sqs', correlationId: sqs.attribute('correlationId'), traceparent: sqs.attribute('traceparent') };
}
