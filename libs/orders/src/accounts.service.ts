import { DataSource } from 'typeorm';
import { CustomerAccount } from '@orderflow/domain/order';
import { CustomersRepository } from '@orderflow/persistence/customers.repository';
import { InventoryRepository } from '@orderflow/persistence/inventory.repository';

/** Admin operations on customer accounts and stock records. */
export class AccountsService {
  constructor(
    private readonly db: DataSource,
    private readonly customers = new CustomersRepository(),
    private readonly inventory = new InventoryRepository(),
  ) {}

  getCustomer(customerId: string): Promise<CustomerAccount | null> {
    return this.customers.find(this.db.manager, customerId);
  }

  putCustomer(customerId: string, currency: string, creditLimitCents: number | null) {
    return this.customers.upsertAccount(this.db.manager, customerId, currency, creditLimitCents);
  }

  getStock(sku: string) {
    return this.inventory.find(this.db.manager, sku);
  }

  putStock(sku: string, available: number) {
    return this.inventory.put(this.db.manager, sku, available);
  }
}
