import { DataSource } from 'typeorm';
import { CustomerAccount } from '@orderflow/domain/order';
import { AuditRepository } from '@orderflow/persistence/audit.repository';
import { CustomersRepository } from '@orderflow/persistence/customers.repository';
import { InventoryRepository } from '@orderflow/persistence/inventory.repository';

/** Admin operations on customer accounts and stock records; each change is audited in its own transaction. */
export class AccountsService {
  constructor(
    private readonly db: DataSource,
    private readonly customers = new CustomersRepository(),
    private readonly inventory = new InventoryRepository(),
    private readonly audit = new AuditRepository(),
  ) {}

  getCustomer(customerId: string): Promise<CustomerAccount | null> {
    return this.customers.find(this.db.manager, customerId);
  }

  putCustomer(customerId: string, currency: string, creditLimitCents: number | null, actor: string) {
    return this.db.transaction(async (manager) => {
      // Locked, so that the audited "before" is the state this change replaced.
      const before = await this.customers.find(manager, customerId, true);
      const result = await this.customers.upsertAccount(manager, customerId, currency, creditLimitCents);
      await this.audit.append(manager, { actor, action: 'customer.put', target: `customer:${customerId}`, before, after: result.account });
      return result;
    });
  }

  getStock(sku: string) {
    return this.inventory.find(this.db.manager, sku);
  }

  putStock(sku: string, available: number, actor: string) {
    return this.db.transaction(async (manager) => {
      const before = await this.inventory.find(manager, sku, true);
      const result = await this.inventory.put(manager, sku, available);
      await this.audit.append(manager, {
        actor,
        action: 'inventory.put',
        target: `inventory:${sku}`,
        before: before && { available: before.available },
        after: { available: result.available },
      });
      return result;
    });
  }
}
