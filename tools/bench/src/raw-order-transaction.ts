import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';
import { Order, PlaceOrderCommand } from '@orderflow/domain/order';
import { requestFingerprint } from '@orderflow/domain/request-fingerprint';
import { placeInTransaction } from '@orderflow/orders/placement-transaction';
import { StaleLockError } from '@orderflow/orders/order-errors';
import { inOrderTransactionOn } from '@orderflow/persistence/order-transaction';

/**
 * The raw limit: the very transaction that placing an order commits (placeInTransaction, the
 * function OrderProcessingService runs), on a plain `pg` client. No HTTP, no Redis lock, no Nest,
 * no TypeORM: what PostgreSQL alone allows on this machine.
 */

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
  try {
    const { order, created } = await inOrderTransactionOn(client, () =>
      placeInTransaction(manager, command, requestHash, { source: 'http' }, RAW_FENCE_TOKEN, null),
    );
    return created ? order.status : 'REPLAYED';
  } catch (error) {
    if (error instanceof StaleLockError) throw new Error(`raw lane fenced out on ${command.customerId}: its customers must not be used by the apps`);
    throw error;
  }
}
