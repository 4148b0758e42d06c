import { EntityManager } from 'typeorm';
import { CustomerAccount } from '@orderflow/domain/order';
import { queryRows, toNumber } from './sql';

/** The columns of CustomerRecord, named (prepared statements must not use `*`). */
export const CUSTOMER_COLUMNS = 'id, currency, credit_limit_cents, open_balance_cents, last_order_number, fence_token';

export interface CustomerRecord {
  id: string;
  currency: string;
  credit_limit_cents: string | null;
  open_balance_cents: string;
  last_order_number: number;
  fence_token: string;
}

export function toAccount(row: CustomerRecord): CustomerAccount {
  return {
    id: row.id,
    currency: row.currency,
    creditLimitCents: row.credit_limit_cents === null ? null : toNumber(row.credit_limit_cents),
    openBalanceCents: toNumber(row.open_balance_cents),
    lastOrderNumber: row.last_order_number,
  };
}

/** SQL for customer accounts, including the fencing check of the per-customer lock. */
export class CustomersRepository {
  /** The cancellation's fenced row lock of an existing customer: null when unknown, 'fenced' when a newer token was recorded. */
  async lockExistingWithFence(manager: EntityManager, customerId: string, fenceToken: string): Promise<CustomerAccount | 'fenced' | null> {
    const rows = await queryRows<CustomerRecord & { accepted: boolean }>(
      manager,
      `SELECT c.*, c.fence_token <= $2::bigint AS accepted FROM customers c WHERE c.id = $1 FOR UPDATE`,
      [customerId, fenceToken],
    );
    if (!rows.length) return null;
    if (!rows[0].accepted) return 'fenced';
    await queryRows(manager, `UPDATE customers SET fence_token = $2 WHERE id = $1`, [customerId, fenceToken]);
    return toAccount(rows[0]);
  }

  async releaseCredit(manager: EntityManager, customerId: string, cents: number): Promise<void> {
    await queryRows(
      manager,
      `UPDATE customers SET open_balance_cents = open_balance_cents - $2, updated_at = now() WHERE id = $1`,
      [customerId, cents],
    );
  }

  async find(manager: EntityManager, customerId: string, forUpdate = false): Promise<CustomerAccount | null> {
    const rows = await queryRows<CustomerRecord>(manager, `SELECT * FROM customers WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [customerId]);
    return rows.length ? toAccount(rows[0]) : null;
  }

  /** Admin upsert of currency and credit limit; returns the account and whether it was created. */
  async upsertAccount(
    manager: EntityManager,
    customerId: string,
    currency: string,
    creditLimitCents: number | null,
  ): Promise<{ account: CustomerAccount; created: boolean }> {
    const rows = await queryRows<CustomerRecord & { created: boolean }>(
      manager,
      `INSERT INTO customers (id, currency, credit_limit_cents) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET currency = EXCLUDED.currency, credit_limit_cents = EXCLUDED.credit_limit_cents,
         updated_at = now()
       RETURNING *, (xmax = 0) AS created`,
      [customerId, currency, creditLimitCents],
    );
    return { account: toAccount(rows[0]), created: rows[0].created };
  }
}
