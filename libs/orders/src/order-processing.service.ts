import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { CustomerAccount, Order, PlaceOrderCommand } from '@orderflow/domain/order';
import { decidePlacement } from '@orderflow/domain/placement-decision';
import { newOrder } from '@orderflow/domain/new-order';
import { decideCancellation } from '@orderflow/domain/cancellation-decision';
import { requestFingerprint } from '@orderflow/domain/request-fingerprint';
import { CustomerLock, LockLease } from '@orderflow/locking/customer-lock';
import { CustomersRepository } from '@orderflow/persistence/customers.repository';
import { InventoryRepository } from '@orderflow/persistence/inventory.repository';
import { OrdersRepository, StoredOrder } from '@orderflow/persistence/orders.repository';
import { OutboxRepository } from '@orderflow/persistence/outbox.repository';
import { PlacementRepository } from '@orderflow/persistence/placement.repository';
import { lockWaitDuration, orderOutcomes, orderProcessingDuration, staleLockCommits } from '@orderflow/observability/metrics';
import { IdempotencyConflictError, OrderNotCancellableError, OrderNotFoundError, StaleLockError } from './order-errors';
import { CommandContext, orderEvent, placementEventType } from './order-events';

export interface PlaceOrderResult {
  order: Order;
  /** False when the idempotency key had already been processed (a replay). */
  created: boolean;
}

export interface CancelOrderResult {
  order: Order;
  /** False when the order was already cancelled (a no-op). */
  changed: boolean;
}

/** How many times a command is retried after its lock was taken over (fencing) before giving up. */
const STALE_LOCK_ATTEMPTS = 3;

/**
 * The one place where orders are placed and cancelled, whichever transport they came by:
 * under the customer's lock, in one transaction whose commit is fenced by the lock's token.
 */
export class OrderProcessingService {
  constructor(
    private readonly db: DataSource,
    private readonly lock: CustomerLock,
    /** This instance's ORDERFLOW_VERSION, recorded on every order it places. */
    private readonly version: string | null = null,
    private readonly orders = new OrdersRepository(),
    private readonly customers = new CustomersRepository(),
    private readonly inventory = new InventoryRepository(),
    private readonly outbox = new OutboxRepository(),
    private readonly placements = new PlacementRepository(),
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
    return this.db.transaction((manager) => this.placeInTransaction(manager, command, requestHash, context, lease));
  }

  async cancelOrder(orderId: string, context: CommandContext, expectedCustomerId?: string): Promise<CancelOrderResult> {
    const found = await this.orders.findById(this.db.manager, orderId);
    if (!found || (expectedCustomerId !== undefined && found.customerId !== expectedCustomerId)) {
      throw new OrderNotFoundError(orderId);
    }
    return this.timed('cancel', context, () =>
      this.underCustomerLock(found.customerId, (lease) =>
        this.db.transaction((manager) => this.cancelInTransaction(manager, found.customerId, orderId, context, lease)),
      ),
    );
  }

  private async placeInTransaction(
    manager: EntityManager,
    command: PlaceOrderCommand,
    requestHash: string,
    context: CommandContext,
    lease: Pick<LockLease, 'fenceToken' | 'signal'>,
  ): Promise<PlaceOrderResult> {
    // First statement: row-locks the customer and checks the fencing token, so everything read
    // below is what the previous holder committed, and an expired holder cannot commit at all.
    const customer = await this.customers.lockWithFence(manager, command.customerId, command.currency, lease.fenceToken);
    if (!customer) throw new StaleLockError(command.customerId);

    const existing = await this.orders.findByClientOrderId(manager, command.customerId, command.clientOrderId);
    if (existing) return { order: replayOf(existing, requestHash), created: false };

    const decision = await this.decide(manager, customer, command);
    const now = new Date();
    const order = newOrder(command, decision, customer.lastOrderNumber + 1, context.source, randomUUID(), now, this.version);
    if (decision.status === 'CONFIRMED') await this.inventory.adjust(manager, negate(decision.stockToReserve));
    await this.placements.record(
      manager,
      { ...order, requestHash, createdAt: now },
      decision.status === 'CONFIRMED' ? decision.totalCents : 0,
      orderEvent(placementEventType(order), order, context),
    );
    if (lease.signal.aborted) throw new StaleLockError(command.customerId);
    orderOutcomes.inc({ status: order.status, reason: order.rejectionReason ?? '', source: context.source });
    return { order, created: true };
  }

  /** Currency and credit first; stock rows are locked only when the order could still be confirmed. */
  private async decide(manager: EntityManager, customer: CustomerAccount, command: PlaceOrderCommand) {
    const withoutStock = decidePlacement({ customer, currency: command.currency, items: command.items, stock: new Map() });
    if (withoutStock.status === 'REJECTED') return withoutStock;
    const stock = await this.inventory.lockStock(manager, [...new Set(command.items.map((item) => item.sku))]);
    if (stock.size === 0) return withoutStock;
    return decidePlacement({ customer, currency: command.currency, items: command.items, stock });
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

  private async underCustomerLock<T>(customerId: string, work: (lease: LockLease) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
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

/** The stored order for a repeated idempotency key, or a conflict when the payload differs. */
function replayOf(existing: StoredOrder, requestHash: string): Order {
  if (existing.requestHash !== requestHash) throw new IdempotencyConflictError(existing.customerId, existing.clientOrderId);
  return publicOrder(existing);
}

export function publicOrder(stored: StoredOrder): Order {
  const { requestHash: _hash, ...order } = stored;
  return order;
}

function negate(quantities: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...quantities].map(([sku, quantity]) => [sku, -quantity]));
}
