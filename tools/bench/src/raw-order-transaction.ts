import { Client, ClientBase } from 'pg';
import type { EntityManager } from 'typeorm';
import { Order, PlaceOrderCommand } from '@orderflow/domain/order';
import { requestFingerprint } from '@orderflow/domain/request-fingerprint';
import { placeOrder } from '@orderflow/orders/placement';
import { ORDER_SESSION_OPTIONS } from '@orderflow/persistence/order-session';
import { StaleLockError } from '@orderflow/orders/order-errors';
import { KeyedMutex } from '@orderflow/locking/keyed-mutex';

/**
 * The raw limit: the very statements that place an order (placeOrder, the function
 * OrderProcessingService runs), on a plain `pg` client whose session has ORDER_SESSION_OPTIONS. No
 * HTTP, no Redis lock (an in-process queue per customer instead), no Nest, no TypeORM: what
 * PostgreSQL alone allows on this machine.
 */

/**
 * The repositories only use `manager.queryRunner`: its `query(text, params, true)` (queryRows) and
 * the pg connection its `connect()` resolves to (queryPrepared). Hand them a plain pg client.
 */
export function pgManager(client: ClientBase): EntityManager {
  const queryRunner = {
    query: async (text: string, params?: unknown[]) => ({ records: (await client.query(text, params)).rows }),
    connect: async () => client,
  };
  return { queryRunner } as unknown as EntityManager;
}

/** `count` connections of the raw lane, with the planner settings of the apps' primary sessions. */
export async function connectRawLane(databaseUrl: string, count: number): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const client = new Client({ connectionString: databaseUrl, options: ORDER_SESSION_OPTIONS, application_name: 'orderflow-bench-raw' });
      await client.connect();
      return client;
    }),
  );
}

/**
 * Fencing token of the raw lane: its customers never see a lock, so a constant token passes the
 * `fence_token <=` check every time while still executing that statement.
 */
const RAW_FENCE_TOKEN = '0';

/**
 * One customer's orders one after another, as the product's per-customer lock keeps them (its
 * in-process part, without Redis): the statements are optimistic, and concurrent orders of one
 * customer would only measure their retries.
 */
const customerQueue = new KeyedMutex();

export async function placeOrderRaw(client: ClientBase, command: PlaceOrderCommand): Promise<Order['status'] | 'REPLAYED'> {
  const manager = pgManager(client);
  const requestHash = requestFingerprint(command);
  try {
    const { order, created } = await customerQueue.run(command.customerId, () =>
      placeOrder(manager, command, requestHash, { source: 'http' }, RAW_FENCE_TOKEN, null),
    );
    return created ? order.status : 'REPLAYED';
  } catch (error) {
    if (error instanceof StaleLockError) throw new Error(`raw lane fenced out on ${command.customerId}: its customers must not be used by the apps`);
    throw error;
  }
}
