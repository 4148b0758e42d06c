import type { components, paths } from './generated/api-schema';
import { createTypedHttpClient, HttpClientOptions, ok, withStatus } from './http-call';
import { toProblem } from './problem';

type Schemas = components['schemas'];
export type PlaceOrder = Schemas['PlaceOrder'];
export type Order = Schemas['Order'];
export type OrderAccepted = Schemas['OrderAccepted'];
export type OrderPage = Schemas['OrderPage'];
export type CustomerAccount = Schemas['CustomerAccount'];
export type CustomerAccountUpdate = Schemas['CustomerAccountUpdate'];
export type Inventory = Schemas['Inventory'];
export type MaintenanceStatus = Schemas['MaintenanceStatus'];
export type Readiness = Schemas['Readiness'];
export type Session = Schemas['Session'];
export type StartRelease = Schemas['StartRelease'];
export type ReleaseAction = Schemas['ReleaseAction'];
export type Release = Schemas['Release'];
export type ReleaseStatus = Schemas['ReleaseStatus'];
export type Pin = Schemas['Pin'];
export type RemovedPins = Schemas['RemovedPins'];
export type InstanceList = Schemas['InstanceList'];
export type AuditPage = Schemas['AuditPage'];
/** A service that is released on its own: api, worker or reporting. */
export type ReleasedService = Pin['service'] & string;

export type OrderflowClientOptions = HttpClientOptions;

/** The answer of placing an order: processed now (201 new, 200 a replay) or queued (202). */
export type PlacedOrder = { status: 201 | 200; order: Order } | { status: 202; accepted: OrderAccepted };

export interface PlaceOrderOptions {
  /** `Prefer: respond-async`: queue the order and answer 202. */
  respondAsync?: boolean;
  /** Carried into the order's outcome event (`X-Correlation-Id`). */
  correlationId?: string;
}

/**
 * A typed client of the Orderflow REST API (contract v1, docs/api.md): one method per operation of
 * the OpenAPI document, named after its operationId. Error answers are thrown as `OrderflowProblem`;
 * 5xx answers and timeouts are retried with the same request (`retries`, default 2), which is safe
 * because those routes are idempotent: a placed order by its (customerId, clientOrderId). The release
 * actions (start, promote, abort) are not, and are sent once.
 * `http` is the underlying openapi-fetch client, typed for every path, for anything else.
 */
export function createOrderflowClient(options: OrderflowClientOptions) {
  const { http, close: closeHttp } = createTypedHttpClient<paths>(options);
  // Release actions are not idempotent (a promote whose answer was lost, resent, would skip a
  // step): they are sent once, never retried.
  const { http: httpOnce, close: closeOnce } = createTypedHttpClient<paths>({ ...options, retries: 0 });
  const close = () => {
    closeHttp();
    closeOnce();
  };
  const id = (value: string) => ({ params: { path: { id: value } } });
  const customer = (customerId: string) => ({ params: { path: { customerId } } });
  const sku = (value: string) => ({ params: { path: { sku: value } } });

  return {
    http,
    /** Closes the keep-alive sockets. */
    close,

    async placeOrder(order: PlaceOrder, opts: PlaceOrderOptions = {}): Promise<PlacedOrder> {
      const header = {
        ...(opts.respondAsync ? { Prefer: 'respond-async' } : {}),
        ...(opts.correlationId ? { 'X-Correlation-Id': opts.correlationId } : {}),
      };
      const { status, data } = await withStatus(http.POST('/v1/orders', { body: order, params: { header } }));
      return status === 202 ? { status, accepted: data as OrderAccepted } : { status: status as 200 | 201, order: data as Order };
    },
    getOrder: (orderId: string) => ok(http.GET('/v1/orders/{id}', id(orderId))),
    cancelOrder: (orderId: string) => ok(http.POST('/v1/orders/{id}/cancel', id(orderId))),
    getOrderByClientOrderId: (customerId: string, clientOrderId: string) =>
      ok(http.GET('/v1/customers/{customerId}/orders/{clientOrderId}', { params: { path: { customerId, clientOrderId } } })),
    listCustomerOrders: (customerId: string, page: { limit?: number; after?: number } = {}) =>
      ok(http.GET('/v1/customers/{customerId}/orders', { params: { path: { customerId }, query: page } })),

    /** 201 when the account was created, 200 when updated. */
    putCustomerAccount: (customerId: string, account: CustomerAccountUpdate) =>
      withStatus(http.PUT('/v1/customers/{customerId}', { ...customer(customerId), body: account })),
    getCustomerAccount: (customerId: string) => ok(http.GET('/v1/customers/{customerId}', customer(customerId))),
    /** 201 when the stock record was created, 200 when updated. */
    putInventory: (skuId: string, available: number) => withStatus(http.PUT('/v1/inventory/{sku}', { ...sku(skuId), body: { available } })),
    getInventory: (skuId: string) => ok(http.GET('/v1/inventory/{sku}', sku(skuId))),
    getMaintenance: () => ok(http.GET('/v1/admin/maintenance')),
    setMaintenance: (enabled: boolean) => ok(http.PUT('/v1/admin/maintenance', { body: { enabled } })),

    /** The customer's route token (`route`): pass it as `routeToken` to a client of that customer. */
    createSession: (customerId: string) => ok(http.POST('/v1/customers/{customerId}/session', customer(customerId))),

    getReleaseStatus: () => ok(http.GET('/v1/admin/releases')),
    /** Sent once (not retried): on a timeout, read `getReleaseStatus()` before acting again. */
    startRelease: (release: StartRelease) => ok(httpOnce.POST('/v1/admin/releases', { body: release })),
    promoteRelease: (action: ReleaseAction = {}) => ok(httpOnce.POST('/v1/admin/releases/promote', { body: action })),
    abortRelease: (action: ReleaseAction = {}) => ok(httpOnce.POST('/v1/admin/releases/abort', { body: action })),
    pinCustomer: (customerId: string, service: ReleasedService, version: string) =>
      ok(http.PUT('/v1/admin/releases/pins/{customerId}/{service}', { params: { path: { customerId, service } }, body: { version } })),
    unpinCustomer: (customerId: string) => ok(http.DELETE('/v1/admin/releases/pins/{customerId}', customer(customerId))),
    unpinCustomerService: (customerId: string, service: ReleasedService) =>
      ok(http.DELETE('/v1/admin/releases/pins/{customerId}/{service}', { params: { path: { customerId, service } } })),
    listInstances: () => ok(http.GET('/v1/admin/releases/instances')),
    listAuditLog: (page: { limit?: number; after?: number } = {}) => ok(http.GET('/v1/admin/audit', { params: { query: page } })),

    getLiveness: () => ok(http.GET('/health/live')),
    getReadiness: () => readiness(http.GET('/health/ready')),
    getMetrics: () => ok(http.GET('/metrics', { parseAs: 'text' })),
  };
}

export type OrderflowClient = ReturnType<typeof createOrderflowClient>;

/** 200 and 503 both describe the checks: only other answers are problems. */
export async function readiness(
  call: Promise<{ data?: Readiness; error?: unknown; response: Response }>,
): Promise<{ ready: boolean; readiness: Readiness }> {
  const { data, error, response } = await call;
  if (response.status === 200) return { ready: true, readiness: data as Readiness };
  if (response.status === 503 && error && typeof error === 'object' && 'checks' in error) return { ready: false, readiness: error as Readiness };
  throw toProblem(error, response);
}
