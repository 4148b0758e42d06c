import { HttpTarget } from './http-target';

/** Stock records through the admin API, as an operator would set them (8 requests in flight). */
export async function seedStock(target: HttpTarget, stock: ReadonlyMap<string, number>): Promise<void> {
  await inParallel([...stock], 8, async ([sku, available]) => {
    const answer = await target.request('PUT', `/v1/inventory/${encodeURIComponent(sku)}`, { available });
    if (answer.status !== 200 && answer.status !== 201) throw new Error(`PUT /v1/inventory/${sku} answered ${answer.status}: ${answer.body}`);
  });
}

/** Customer accounts (currency, credit limit) through the admin API. */
export async function seedCustomers(target: HttpTarget, customers: ReadonlyMap<string, number | null>, currency = 'EUR'): Promise<void> {
  await inParallel([...customers], 8, async ([customerId, creditLimitCents]) => {
    const answer = await target.request('PUT', `/v1/customers/${encodeURIComponent(customerId)}`, { currency, creditLimitCents });
    if (answer.status !== 200 && answer.status !== 201) throw new Error(`PUT /v1/customers/${customerId} answered ${answer.status}: ${answer.body}`);
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
