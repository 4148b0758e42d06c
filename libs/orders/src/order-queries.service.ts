import { DataSource } from 'typeorm';
import { Order } from '@orderflow/domain/order';
import { OrdersRepository, publicOrder } from '@orderflow/persistence/orders.repository';

export interface OrderPage {
  orders: Order[];
  /** Cursor for the next page (the last orderNumber), null at the end. */
  nextCursor: string | null;
}

/** Reads of orders for the API; reads go to the primary so that a client sees its own writes. */
export class OrderQueriesService {
  constructor(
    private readonly db: DataSource,
    private readonly orders = new OrdersRepository(),
  ) {}

  async byId(id: string): Promise<Order | null> {
    const order = await this.orders.findById(this.db.manager, id);
    return order && publicOrder(order);
  }

  async byClientOrderId(customerId: string, clientOrderId: string): Promise<Order | null> {
    const order = await this.orders.findByClientOrderId(this.db.manager, customerId, clientOrderId);
    return order && publicOrder(order);
  }

  async page(customerId: string, afterOrderNumber: number, limit: number): Promise<OrderPage> {
    const rows = await this.orders.listByCustomer(this.db.manager, customerId, afterOrderNumber, limit + 1);
    const orders = rows.slice(0, limit).map(publicOrder);
    const hasMore = rows.length > limit;
    return { orders, nextCursor: hasMore ? String(orders[orders.length - 1].orderNumber) : null };
  }
}
