/**
 * @orderflow/client: what a storefront needs to talk to Orderflow. Typed REST clients generated from
 * the OpenAPI documents (docs/contracts/*.json, via openapi-typescript + openapi-fetch) and the
 * producer of the orders queue's messages. See docs/api.md.
 */
export { createOrderflowClient } from './orderflow-client';
export type {
  AuditPage,
  CustomerAccount,
  CustomerAccountUpdate,
  InstanceList,
  Inventory,
  MaintenanceStatus,
  Order,
  OrderAccepted,
  OrderflowClient,
  OrderflowClientOptions,
  OrderPage,
  PlacedOrder,
  PlaceOrder,
  Pin,
  PlaceOrderOptions,
  Readiness,
  ReleasedService,
  Release,
  ReleaseAction,
  ReleaseStatus,
  RemovedPins,
  Session,
  StartRelease,
} from './orderflow-client';
export { createReportingClient } from './reporting-client';
export type { CustomerSummaryReport, ReportingClient, ReportRange, SalesReport, StatusReport, TopSkusReport } from './reporting-client';
export type { HttpClientOptions } from './http-call';
export { OrderflowProblem, isOrderflowProblem } from './problem';
export type { Problem } from './problem';
export { OrderflowTimeoutError } from './transport';
export type { TransportOptions } from './transport';
export { cancelOrder, sendOrders, SQS_BATCH_SIZE } from './order-producer';
export type { FailedOrder, MessageContext, SendOrdersResult, SentOrder } from './order-producer';
export type { paths as ApiPaths, operations as ApiOperations } from './generated/api-schema';
export type { paths as ReportingPaths, operations as ReportingOperations } from './generated/reporting-schema';
