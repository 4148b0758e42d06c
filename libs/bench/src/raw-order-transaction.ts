import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';
import { Order, PlaceOrderCommand } from '@orderflow/domain/order';
import { decidePlacement } from '@orderflow/domain/placement-decision';
import { newOrder } from '@orderflow/domain/new-order';
import { requestFingerprint } from '@orderflow/domain/request-fingerprint';
import { CustomersRepository } from '@orderflow/persistence/customers.repository';
import { InventoryRepository } from '@orderflow/persistence/inventory.repository';
import { OrdersRepository } from '@orderflow/persistence/orders.repository';
import { PlacementRepository } from '@orderflow/persistence/placement.repository';
import { orderEvent, placementEventType } from '@orderflow/orders/order-events';

/**
 * The raw limit: the very transaction that placing an order commits (the repositories' own
 * statements, in the order OrderProcessingService issues them), run on a plain `pg` client.
 * No HTTP, no Redis lock, no Nest, no TypeORM: what PostgreSQL alone allows on this machine.
 * Kept step for step in line with OrderProcessingService.placeInTransaction.
 */
const customers = new CustomersRepository();
const orders = new OrdersRepository();
const inventory = new InventoryRepository();
const placements = new PlacementRepository();

/**
 * The repositories only use `manager.queryRunner`: its `query(text, params, true)` (queryRows) and
 * the pg connection its `connect()` resolves to (queryPrepared). Hand them a plain pg client.
 */
export function pgManager(client: PoolClient): EntityManager {
  const queryRunner = {
    query: async (text: string, params?: unknown[]) => ({ records: (await client.query(text, params)).rows }),
    connect: async () => client,
  };
  return { queryRunner } as unknown as EntityManager;
}

/**
 * Fencing token of the raw lane: its customers never see a lock, so a constant token passes the
 * `fence_token <=` check every time while still executing that statement.
 */
const RAW_FENCE_TOKEN = '0';

export async function placeOrderRaw(client: PoolClient, command: PlaceOrderCommand): Promise<Order['status'] | 'REPLAYED'> {
  const manager = pgManager(client);
  const requestHash = requestFingerprint(command);
  await client.query('START TRANSACTION');
  try {
    const customer = await customers.lockWithFence(manager, command.customerId, command.currency, RAW_FENCE_TOKEN);
    if (!customer) throw new Error(`raw lane fenced out on ${command.customerId}: its customers must not be used by the apps`);
    const existing = await orders.findByClientOrderId(manager, command.customerId, command.clientOrderId);
    if (existing) {
      await client.query('COMMIT');
      return 'REPLAYED';
    }
    let decision = decidePlacement({ customer, currency: command.currency, items: command.items, stock: new Map() });
    if (decision.status === 'CONFIRMED') {
      const stock = await inventory.lockStock(manager, [...new Set(command.items.map((item) => item.sku))]);
      if (stock.size > 0) decision = decidePlacement({ customer, currency: command.currency, items: command.items, stock });
    }
    const now = new Date();
    const order = newOrder(command, decision, customer.lastOrderNumber + 1, 'http', randomUUID(), now, null);
    if (decision.status === 'CONFIRMED' && decision.stockToReserve.size > 0) {
      await inventory.adjust(manager, new Map([...decision.stockToReserve].map(([sku, quantity]) => [sku, -quantity])));
    }
    await placements.record(
      manager,
      { ...order, requestHash, createdAt: now },
      decision.status === 'CONFIRMED' ? decision.totalCents : 0,
      orderEvent(placementEventType(order), order, { source: 'http' }),
    );
    await client.query('COMMIT');
    return order.status;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
