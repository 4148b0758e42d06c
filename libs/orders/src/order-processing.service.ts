import { DataSource, EntityManager } from 'typeorm';
import { Order, PlaceOrderCommand } from '@orderflow/domain/order';
import { decideCancellation } from '@orderflow/domain/cancellation-decision';
import { requestFingerprint } from '@orderflow/domain/request-fingerprint';
import { CustomerLock, LockLease } from '@orderflow/locking/customer-lock';
import { CustomersRepository } from '@orderflow/persistence/customers.repository';
import { InventoryRepository } from '@orderflow/persistence/inventory.repository';
import { OrdersRepository, publicOrder } from '@orderflow/persistence/orders.repository';
import { OutboxRepository } from '@orderflow/persistence/outbox.repository';
import { onOrderConnection } from '@orderflow/persistence/order-session';
import { lockWaitDuration, orderOutcomes, orderProcessingDuration, staleLockCommits } from '@orderflow/observability/metrics';
import { OrderNotCancellableError, OrderNotFoundError, StaleLockError } from './order-errors';
import { CommandContext, orderEvent } from './order-events';
import { placeBatch, PlaceOrderResult, PlacementRequest, placeRequest } from './placement';
import { PlacementBatcher } from './placement-batcher';

export type { PlaceOrderResult };

export interface CancelOrderResult {
  order: Order;
  /** False when the order was already cancelled (a no-op). */
  changed: boolean;
}

/** Admits tasks a few at a time (AdaptiveLimiter). */
export interface TransactionGate {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Resolves once a task would be admitted at once, without taking its place. */
  whenRoom(): Promise<void>;
}

/** How many times a command is retried after its lock was taken over (fencing) before giving up. */
const STALE_LOCK_ATTEMPTS = 3;

/**
 * The one place where orders are placed and cancelled, whichever transport they came by:
 * under the customer's lock, their writes fenced by the lock's token.
 */
export class OrderProcessingService {
  private readonly transactionListeners: Array<(durationMs: number) => void> = [];
  private gate: TransactionGate | null = null;
  private batcher: PlacementBatcher | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly lock: CustomerLock,
    /** This instance's ORDERFLOW_VERSION, recorded on every order it places. */
    private readonly version: string | null = null,
    private readonly orders = new OrdersRepository(),
    private readonly customers = new CustomersRepository(),
    private readonly inventory = new InventoryRepository(),
    private readonly outbox = new OutboxRepository(),
  ) {}

  async placeOrder(command: PlaceOrderCommand, context: CommandContext): Promise<PlaceOrderResult> {
    const requestHash = requestFingerprint(command);
    return this.timed('place', context, () =>
      this.underCustomerLock(command.customerId, (lease) => this.placeUnderLease(command, context, lease, requestHash)),
    );
  }

  /**
   * Places an order under a lock lease the caller already holds. The commit is refused with
   * StaleLockError when a newer lease of the same customer has written in the meantime.
   */
  async placeUnderLease(
    command: PlaceOrderCommand,
    context: CommandContext,
    lease: Pick<LockLease, 'fenceToken' | 'signal'>,
    requestHash = requestFingerprint(command),
  ): Promise<PlaceOrderResult> {
    const request: PlacementRequest = {
      command,
      requestHash,
      context,
      fenceToken: lease.fenceToken,
      beforeWrite: () => {
        if (lease.signal.aborted) throw new StaleLockError(command.customerId);
      },
    };
    const result = this.batcher
      ? await this.batcher.place(request)
      : await this.databaseWork(() => onOrderConnection(this.db, (manager) => placeRequest(manager, request, this.version)));
    if (result.created) orderOutcomes.inc({ status: result.order.status, reason: result.order.rejectionReason ?? '', source: context.source });
    return result;
  }

  async cancelOrder(orderId: string, context: CommandContext, expectedCustomerId?: string): Promise<CancelOrderResult> {
    const found = await this.orders.findById(this.db.manager, orderId);
    if (!found || (expectedCustomerId !== undefined && found.customerId !== expectedCustomerId)) {
      throw new OrderNotFoundError(orderId);
    }
    return this.timed('cancel', context, () =>
      this.underCustomerLock(found.customerId, (lease) =>
        this.databaseWork(() => this.db.transaction((manager) => this.cancelInTransaction(manager, found.customerId, orderId, context, lease))),
      ),
    );
  }

  private async cancelInTransaction(
    manager: EntityManager,
    customerId: string,
    orderId: string,
    context: CommandContext,
    lease: LockLease,
  ): Promise<CancelOrderResult> {
    const customer = await this.customers.lockExistingWithFence(manager, customerId, lease.fenceToken);
    if (customer === 'fenced') throw new StaleLockError(customerId);
    const order = await this.orders.findById(manager, orderId, true);
    if (!customer || !order) throw new OrderNotFoundError(orderId);

    const decision = decideCancellation(order);
    if (decision.kind === 'already-cancelled') return { order: publicOrder(order), changed: false };
    if (decision.kind === 'not-cancellable') throw new OrderNotCancellableError(orderId, decision.status);

    const now = new Date();
    await this.orders.markCancelled(manager, orderId, now);
    await this.customers.releaseCredit(manager, customerId, decision.creditToRelease);
    await this.inventory.adjust(manager, decision.stockToRelease);
    const cancelled: Order = { ...publicOrder(order), status: 'CANCELLED', updatedAt: now.toISOString() };
    await this.outbox.append(manager, orderEvent('order.cancelled', cancelled, context));
    if (lease.signal.aborted) throw new StaleLockError(customerId);
    orderOutcomes.inc({ status: 'CANCELLED', reason: '', source: context.source });
    return { order: cancelled, changed: true };
  }

  /**
   * Listens to the duration of every placement's and cancellation's database work (waiting for a
   * pooled connection included): how busy the database is, as this process sees it.
   */
  onTransaction(listener: (durationMs: number) => void): void {
    this.transactionListeners.push(listener);
  }

  /**
   * Lets the database work of every command of this instance wait for a slot of `gate` (the
   * worker's adaptive concurrency). A command takes its customer's lock only once the gate has
   * room, so that while the gate holds the backlog back its commands hold no locks that REST
   * orders of the same customers would wait for; and it waits for the slot itself with the lock
   * held, so that a command waiting for a busy customer's lock holds no slot.
   */
  admitTransactionsThrough(gate: TransactionGate): void {
    this.gate = gate;
  }

  /**
   * Places the orders that are ready at the same moment (different customers, each under its own
   * lock) in batches of up to `maxBatch`, each batch one database work (PlacementBatcher); 1 turns it off.
   */
  batchPlacements(maxBatch: number): void {
    this.batcher =
      maxBatch > 1
        ? new PlacementBatcher(maxBatch, (work) => this.databaseWork(work), (requests) => onOrderConnection(this.db, (manager) => placeBatch(manager, requests, this.version)))
        : null;
  }

  /** The database part of one command: admitted through the gate, its duration told to the listeners. */
  private async databaseWork<T>(work: () => Promise<T>): Promise<T> {
    const run = async () => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        const durationMs = performance.now() - started;
        for (const listener of this.transactionListeners) listener(durationMs);
      }
    };
    return this.gate ? this.gate.run(run) : run();
  }

  private async underCustomerLock<T>(customerId: string, work: (lease: LockLease) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.gate?.whenRoom();
        return await this.lock.withLock(customerId, (lease) => {
          lockWaitDuration.observe(lease.waitedMs / 1000);
          return work(lease);
        });
      } catch (error) {
        if (!(error instanceof StaleLockError) || attempt >= STALE_LOCK_ATTEMPTS) throw error;
        staleLockCommits.inc();
      }
    }
  }

  private async timed<T>(operation: string, context: CommandContext, work: () => Promise<T>): Promise<T> {
    const end = orderProcessingDuration.startTimer({ operation, source: context.source });
    try {
      return await work();
    } finally {
      end();
    }
  }
}

