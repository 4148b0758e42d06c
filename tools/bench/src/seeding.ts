import { HttpTarget } from './http-target';

/** Stock records through the admin API, as an operator would set them (8 requests in flight). */
export async function seedStock(target: HttpTarget, stock: ReadonlyMap<string, number>): Promise<void> {
  await inParallel([...stock], 8, async ([sku, available]) => {
    // A refusal is thrown as the problem (status, type, detail).
    await target.client.putInventory(sku, available);
  });
}

/** Customer accounts (currency, credit limit) through the admin API. */
export async function seedCustomers(target: HttpTarget, customers: ReadonlyMap<string, number | null>, currency = 'EUR'): Promise<void> {
  await inParallel([...customers], 8, async ([customerId, creditLimitCents]) => {
    await target.client.putCustomerAccount(customerId, { currency, creditLimitCents });
  });
}

export async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
