/** Plain data of the order domain: no framework, no I/O. Money is integer minor units. */

export type OrderStatus = 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
export type RejectionReason = 'CURRENCY_MISMATCH' | 'CREDIT_LIMIT_EXCEEDED' | 'INSUFFICIENT_STOCK';
export type OrderSource = 'http' | 'sqs';

export const REJECTION_REASONS: readonly RejectionReason[] = [
  'CURRENCY_MISMATCH',
  'CREDIT_LIMIT_EXCEEDED',
  'INSUFFICIENT_STOCK',
];

export interface LineItem {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

/** What a storefront asks for; the same shape arrives over REST and SQS. */
export interface PlaceOrderCommand {
  customerId: string;
  clientOrderId: string;
  currency: string;
  items: LineItem[];
  shippingAddress?: Record<string, unknown> | null;
  metadata?: Record<string, unknown> | null;
}

export interface Order {
  id: string;
  customerId: string;
  clientOrderId: string;
  orderNumber: number;
  status: OrderStatus;
  rejectionReason: RejectionReason | null;
  currency: string;
  totalCents: number;
  items: LineItem[];
  shippingAddress: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  source: OrderSource;
  /** The ORDERFLOW_VERSION of the instance that placed it; null for orders from before versions were recorded. */
  processedByVersion: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CustomerAccount {
  id: string;
  currency: string;
  creditLimitCents: number | null;
  /** Sum of the customer's CONFIRMED orders. */
  openBalanceCents: number;
  lastOrderNumber: number;
}
