import { PlaceOrderCommand } from '@orderflow/domain/order';

/**
 * The orders a storefront sends: many customers, a few hot ones (B2B accounts ordering all day),
 * one to three lines over a catalogue whose SKUs all have a stock record. Deterministic for a seed.
 */
export interface WorkloadShape {
  /** Prefix of every customer id and SKU of this run, so that checks and reruns stay apart. */
  runTag: string;
  customers: number;
  /** The first `hotCustomers` customers receive `hotShare` of all orders. */
  hotCustomers: number;
  hotShare: number;
  skus: number;
  seed: number;
}

export const BENCH_SHAPE: Omit<WorkloadShape, 'runTag' | 'seed'> = { customers: 2000, hotCustomers: 8, hotShare: 0.15, skus: 200 };

/** mulberry32: small, fast, good enough to spread load. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function customerId(runTag: string, lane: string, index: number): string {
  return `${runTag}-${lane}${index}`;
}

export function skuId(runTag: string, index: number): string {
  return `${runTag}-sku${index}`;
}

export class OrderGenerator {
  private readonly random: () => number;
  private seq = 0;

  /** `lane` keeps customer sets apart (the raw limit writes its own customers). */
  constructor(
    private readonly shape: WorkloadShape,
    private readonly lane: string,
    private readonly phase: string,
  ) {
    this.random = seededRandom(shape.seed ^ hash(`${lane}/${phase}`));
  }

  next(): PlaceOrderCommand {
    const { shape } = this;
    const index =
      this.random() < shape.hotShare
        ? Math.floor(this.random() * shape.hotCustomers)
        : shape.hotCustomers + Math.floor(this.random() * (shape.customers - shape.hotCustomers));
    return this.forCustomer(customerId(shape.runTag, this.lane, index));
  }

  /** The next order of one given customer (chaos drives customers itself). */
  forCustomer(customer: string): PlaceOrderCommand {
    const lines = 1 + Math.floor(this.random() * 3);
    const items = [];
    for (let line = 0; line < lines; line++) {
      items.push({
        sku: skuId(this.shape.runTag, Math.floor(this.random() * this.shape.skus)),
        quantity: 1 + Math.floor(this.random() * 3),
        unitPriceCents: 100 + Math.floor(this.random() * 4900),
      });
    }
    return { customerId: customer, clientOrderId: `${this.phase}-${++this.seq}`, currency: 'EUR', items };
  }
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
