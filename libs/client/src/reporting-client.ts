import type { components, paths } from './generated/reporting-schema';
import { createTypedHttpClient, HttpClientOptions, ok } from './http-call';
import { readiness } from './orderflow-client';

type Schemas = components['schemas'];
export type SalesReport = Schemas['SalesReport'];
export type StatusReport = Schemas['StatusReport'];
export type TopSkusReport = Schemas['TopSkusReport'];
export type CustomerSummaryReport = Schemas['CustomerSummaryReport'];

/** Dates are UTC calendar days written YYYY-MM-DD, both ends included. */
export interface ReportRange {
  from: string;
  to: string;
}

/**
 * A typed client of the reporting service (docs/reporting.md), same conventions as
 * `createOrderflowClient`: one method per operationId, problems thrown as `OrderflowProblem`.
 * Needs a key with the scope `reports:read`.
 */
export function createReportingClient(options: HttpClientOptions) {
  const { http, close } = createTypedHttpClient<paths>(options);
  return {
    http,
    close,
    getSalesReport: (query: ReportRange & { granularity?: 'day' | 'week' | 'month'; currency?: string }) =>
      ok(http.GET('/v1/reports/sales', { params: { query } })),
    getOrdersByStatusReport: (query: ReportRange) => ok(http.GET('/v1/reports/orders-by-status', { params: { query } })),
    getTopSkusReport: (query: ReportRange & { limit?: number; currency?: string }) => ok(http.GET('/v1/reports/top-skus', { params: { query } })),
    getCustomerSummaryReport: (customerId: string) =>
      ok(http.GET('/v1/reports/customers/{customerId}/summary', { params: { path: { customerId } } })),
    getLiveness: () => ok(http.GET('/health/live')),
    getReadiness: () => readiness(http.GET('/health/ready')),
    getMetrics: () => ok(http.GET('/metrics', { parseAs: 'text' })),
  };
}

export type ReportingClient = ReturnType<typeof createReportingClient>;
