import { DataSource, EntityManager } from 'typeorm';
import { OrderStatus, REJECTION_REASONS, RejectionReason } from '@orderflow/domain/order';
import { ReplicaStatusRepository } from './replica-status';
import { DateRange, SalesQuery, StatusQuery, TopSkusQuery } from './report-params';
import { CustomerSummary, ReportsRepository, SalesRow, TopSkus } from './reports.repository';

/** Every report says how fresh it is. */
export interface Freshness {
  /** The replica's last replayed transaction time: the report includes everything committed up to it. */
  asOf: string | null;
  replicaLagSeconds: number | null;
}

export type SalesReport = Freshness & { from: string; to: string; granularity: string; currency: string | null; rows: SalesRow[] };
export type StatusReport = Freshness & {
  from: string;
  to: string;
  total: number;
  statuses: Array<{ status: OrderStatus; orders: number; byReason?: Record<RejectionReason, number> }>;
};
export type TopSkusReport = Freshness & { from: string; to: string; limit: number; currency: string | null } & TopSkus;
export type CustomerSummaryReport = Freshness & CustomerSummary;

const STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'REJECTED', 'CANCELLED'];

/**
 * The reports, read from the replica. The replica's position is read before the report's query,
 * so `asOf` is a lower bound: nothing committed before it is missing from the figures.
 */
export class ReportsService {
  constructor(
    private readonly replica: DataSource,
    private readonly reports = new ReportsRepository(),
    private readonly status = new ReplicaStatusRepository(),
  ) {}

  async sales(query: SalesQuery): Promise<SalesReport> {
    return this.fresh(async (manager) => ({
      ...period(query.range),
      granularity: query.granularity,
      currency: query.currency,
      rows: await this.reports.sales(manager, query),
    }));
  }

  async ordersByStatus(query: StatusQuery): Promise<StatusReport> {
    return this.fresh(async (manager) => {
      const rows = await this.reports.ordersByStatus(manager, query.range);
      const count = (status: OrderStatus, reason?: RejectionReason) =>
        rows.filter((r) => r.status === status && (reason === undefined || r.rejectionReason === reason)).reduce((n, r) => n + r.orders, 0);
      return {
        ...period(query.range),
        total: rows.reduce((n, r) => n + r.orders, 0),
        statuses: STATUSES.map((status) =>
          status === 'REJECTED'
            ? { status, orders: count(status), byReason: Object.fromEntries(REJECTION_REASONS.map((reason) => [reason, count(status, reason)])) as Record<RejectionReason, number> }
            : { status, orders: count(status) },
        ),
      };
    });
  }

  async topSkus(query: TopSkusQuery): Promise<TopSkusReport> {
    return this.fresh(async (manager) => ({
      ...period(query.range),
      limit: query.limit,
      currency: query.currency,
      ...(await this.reports.topSkus(manager, query)),
    }));
  }

  /** Null when the customer has never ordered. */
  async customerSummary(customerId: string): Promise<CustomerSummaryReport | null> {
    const freshness = await this.freshness();
    const summary = await this.reports.customerSummary(this.replica.manager, customerId);
    return summary && { ...freshness, ...summary };
  }

  private async fresh<T extends object>(run: (manager: EntityManager) => Promise<T>): Promise<Freshness & T> {
    const freshness = await this.freshness();
    return { ...freshness, ...(await run(this.replica.manager)) };
  }

  private async freshness(): Promise<Freshness> {
    const status = await this.status.read(this.replica.manager);
    return { asOf: status.asOf, replicaLagSeconds: status.lagSeconds };
  }
}

function period(range: DateRange): { from: string; to: string } {
  return { from: range.from, to: range.to };
}
