import { idSchema } from '@orderflow/contracts/place-order.schema';
import {
  bearerSecurityScheme,
  contact,
  jsonResponse,
  license,
  operationsRoutes,
  operationsSchemas,
  operationsTag,
  pathParam,
  problemSchema,
  route,
} from '@orderflow/contracts/openapi-helpers';
import { DEFAULT_TOP_SKUS, GRANULARITIES, MAX_TOP_SKUS } from './report-params';

/**
 * The OpenAPI 3.1 document of the reporting service (docs/reporting.md), served at its
 * /openapi.json and /docs, committed as docs/contracts/reporting-openapi.json (the client's types
 * are generated from it). Declared with the same helpers as the API's document.
 */

const dateParam = (name: 'from' | 'to', description: string, example: string) => ({
  name,
  in: 'query',
  required: true,
  description,
  schema: { type: 'string', format: 'date' },
  example,
});
const range = [
  dateParam('from', 'First day (UTC, included), YYYY-MM-DD', '2026-11-01'),
  dateParam('to', 'Last day (UTC, included), YYYY-MM-DD', '2026-11-30'),
];
const currencyParam = {
  name: 'currency',
  in: 'query',
  required: false,
  description: 'Only orders in this ISO 4217 currency',
  schema: { type: 'string', pattern: '^[A-Z]{3}$' },
  example: 'EUR',
};
const freshness = { asOf: '2026-11-30T14:22:19.614Z', replicaLagSeconds: 0 };
const freshnessProperties = {
  asOf: { type: ['string', 'null'], format: 'date-time', description: 'Everything committed on the primary up to this instant is in the figures' },
  replicaLagSeconds: { type: ['number', 'null'], description: 'null when unknown' },
};
const statusEnum = { type: 'string', enum: ['CONFIRMED', 'REJECTED', 'CANCELLED'] };
const orderRef = {
  type: ['object', 'null'],
  required: ['id', 'clientOrderId', 'orderNumber', 'status', 'totalCents', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    clientOrderId: idSchema,
    orderNumber: { type: 'integer' },
    status: statusEnum,
    totalCents: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
  },
};
const int = { type: 'integer' };
const orderRefExample = (orderNumber: number, createdAt: string) => ({
  id: 'f54c09fc-b1eb-42ff-b048-8b39ef3bec4d',
  clientOrderId: `order-${orderNumber}`,
  orderNumber,
  status: 'CONFIRMED',
  totalCents: 2599,
  createdAt,
});
const REPORT_PROBLEMS = ['validation-error'] as const;

export const reportingOpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Orderflow reporting API',
    version: '1.0.0',
    description:
      'Reports read from the streaming read replica (docs/reporting.md). Dates are UTC calendar days, both ends included. ' +
      'Every answer says how fresh it is (`asOf`, `replicaLagSeconds`); every error is application/problem+json (RFC 9457). ' +
      'A typed client generated from this document is `createReportingClient` in `@orderflow/client`.',
    contact,
    license,
  },
  servers: [{ url: 'http://127.0.0.1:3002', description: 'Local reporting service started by `npm start`' }],
  tags: [{ name: 'reports', description: 'Sales, statuses, SKUs and customers, from the read replica.' }, operationsTag],
  components: {
    securitySchemes: { apiKey: bearerSecurityScheme },
    schemas: {
      SalesReport: {
        type: 'object',
        required: ['asOf', 'replicaLagSeconds', 'from', 'to', 'granularity', 'currency', 'rows'],
        properties: {
          ...freshnessProperties,
          from: { type: 'string', format: 'date' },
          to: { type: 'string', format: 'date' },
          granularity: { type: 'string', enum: GRANULARITIES },
          currency: { type: ['string', 'null'] },
          rows: {
            type: 'array',
            items: {
              type: 'object',
              required: ['periodStart', 'currency', 'orders', 'confirmed', 'rejected', 'cancelled', 'grossTotalCents', 'cancelledTotalCents', 'netTotalCents'],
              properties: {
                periodStart: { type: 'string', format: 'date', description: 'The day, the Monday of the ISO week, or the 1st of the month' },
                currency: { type: 'string' },
                orders: int,
                confirmed: int,
                rejected: int,
                cancelled: int,
                grossTotalCents: { type: 'integer', description: 'Confirmed and cancelled since: every accepted order' },
                cancelledTotalCents: int,
                netTotalCents: { type: 'integer', description: 'Confirmed orders only' },
              },
            },
          },
        },
      },
      StatusReport: {
        type: 'object',
        required: ['asOf', 'replicaLagSeconds', 'from', 'to', 'total', 'statuses'],
        properties: {
          ...freshnessProperties,
          from: { type: 'string', format: 'date' },
          to: { type: 'string', format: 'date' },
          total: int,
          statuses: {
            type: 'array',
            items: {
              type: 'object',
              required: ['status', 'orders'],
              properties: {
                status: statusEnum,
                orders: int,
                byReason: { type: 'object', description: 'REJECTED only: orders per rejection reason', additionalProperties: int },
              },
            },
          },
        },
      },
      TopSkusReport: {
        type: 'object',
        required: ['asOf', 'replicaLagSeconds', 'from', 'to', 'limit', 'currency', 'byQuantity', 'byRevenue'],
        properties: {
          ...freshnessProperties,
          from: { type: 'string', format: 'date' },
          to: { type: 'string', format: 'date' },
          limit: int,
          currency: { type: ['string', 'null'] },
          byQuantity: {
            type: 'array',
            items: { type: 'object', required: ['sku', 'quantity'], properties: { sku: idSchema, quantity: int } },
          },
          byRevenue: {
            type: 'array',
            description: 'Ranked within each currency',
            items: {
              type: 'object',
              required: ['sku', 'currency', 'revenueCents', 'quantity'],
              properties: { sku: idSchema, currency: { type: 'string' }, revenueCents: int, quantity: int },
            },
          },
        },
      },
      CustomerSummaryReport: {
        type: 'object',
        required: ['asOf', 'replicaLagSeconds', 'customerId', 'currency', 'creditLimitCents', 'openBalanceCents', 'orders', 'firstOrder', 'lastOrder'],
        properties: {
          ...freshnessProperties,
          customerId: idSchema,
          currency: { type: 'string' },
          creditLimitCents: { type: ['integer', 'null'] },
          openBalanceCents: int,
          orders: {
            type: 'object',
            required: ['total', 'confirmed', 'rejected', 'cancelled'],
            properties: { total: int, confirmed: int, rejected: int, cancelled: int },
          },
          firstOrder: orderRef,
          lastOrder: orderRef,
        },
      },
      Problem: problemSchema,
      ...operationsSchemas,
    },
  },
  paths: {
    '/v1/reports/sales': {
      get: route({
        operationId: 'getSalesReport',
        tag: 'reports',
        summary: 'Sales per period and currency',
        description: 'Orders and totals per day, ISO week or month. At most 366 days by day, 3660 otherwise; unknown parameters are refused.',
        scope: 'reports:read',
        parameters: [
          ...range,
          { name: 'granularity', in: 'query', required: false, description: 'Period of a row', schema: { type: 'string', enum: GRANULARITIES, default: 'day' }, example: 'day' },
          currencyParam,
        ],
        responses: {
          '200': jsonResponse('The report', 'SalesReport', {
            ...freshness,
            from: '2026-11-24',
            to: '2026-11-24',
            granularity: 'day',
            currency: null,
            rows: [
              { periodStart: '2026-11-24', currency: 'EUR', orders: 3, confirmed: 3, rejected: 0, cancelled: 0, grossTotalCents: 7500, cancelledTotalCents: 0, netTotalCents: 7500 },
            ],
          }),
        },
        problems: [...REPORT_PROBLEMS],
      }),
    },
    '/v1/reports/orders-by-status': {
      get: route({
        operationId: 'getOrdersByStatusReport',
        tag: 'reports',
        summary: 'Orders per status',
        description: 'CONFIRMED, REJECTED (with the count per reason) and CANCELLED orders created in the range, by their status now.',
        scope: 'reports:read',
        parameters: range,
        responses: {
          '200': jsonResponse('The report', 'StatusReport', {
            ...freshness,
            from: '2026-11-01',
            to: '2026-11-30',
            total: 5,
            statuses: [
              { status: 'CONFIRMED', orders: 3 },
              { status: 'REJECTED', orders: 1, byReason: { CURRENCY_MISMATCH: 0, CREDIT_LIMIT_EXCEEDED: 1, INSUFFICIENT_STOCK: 0 } },
              { status: 'CANCELLED', orders: 1 },
            ],
          }),
        },
        problems: [...REPORT_PROBLEMS],
      }),
    },
    '/v1/reports/top-skus': {
      get: route({
        operationId: 'getTopSkusReport',
        tag: 'reports',
        summary: 'Best-selling SKUs',
        description: 'By quantity and by revenue (ranked within each currency); items of CONFIRMED orders only.',
        scope: 'reports:read',
        parameters: [
          ...range,
          { name: 'limit', in: 'query', required: false, description: 'SKUs per ranking', schema: { type: 'integer', minimum: 1, maximum: MAX_TOP_SKUS, default: DEFAULT_TOP_SKUS }, example: 10 },
          currencyParam,
        ],
        responses: {
          '200': jsonResponse('The report', 'TopSkusReport', {
            ...freshness,
            from: '2026-11-01',
            to: '2026-11-30',
            limit: 10,
            currency: null,
            byQuantity: [{ sku: 'SKU-1', quantity: 42 }],
            byRevenue: [{ sku: 'SKU-1', currency: 'EUR', revenueCents: 52500, quantity: 42 }],
          }),
        },
        problems: [...REPORT_PROBLEMS],
      }),
    },
    '/v1/reports/customers/{customerId}/summary': {
      get: route({
        operationId: 'getCustomerSummaryReport',
        tag: 'reports',
        summary: "A customer's orders and balance",
        description: 'Orders per status, open balance, credit limit, first and last order; 404 for a customer who has never ordered.',
        scope: 'reports:read',
        parameters: [pathParam('customerId', idSchema, "The storefront's customer id", 'cust-1')],
        responses: {
          '200': jsonResponse('The summary', 'CustomerSummaryReport', {
            ...freshness,
            customerId: 'cust-1',
            currency: 'EUR',
            creditLimitCents: null,
            openBalanceCents: 5198,
            orders: { total: 2, confirmed: 2, rejected: 0, cancelled: 0 },
            firstOrder: orderRefExample(1, '2026-11-24T13:55:34.888Z'),
            lastOrder: orderRefExample(2, '2026-11-25T09:12:01.004Z'),
          }),
        },
        problems: ['validation-error', 'not-found'],
      }),
    },
    ...operationsRoutes('Checks the replica and its lag (MAX_REPLICA_LAG_SECONDS);', {
      status: 'ok',
      checks: { replica: { name: 'replica', status: 'up' } },
    }),
  },
};
