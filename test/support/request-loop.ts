/**
 * Storefront traffic through the router for the release tests: `concurrency` clients, each
 * request for a random customer carrying that customer's current route token, alternating
 * `POST /v1/orders` (a new clientOrderId each) and `GET` of the customer's orders. Bounded in
 * count and time; it runs until `finish()` is called (plus `tail` more requests) or a bound hits.
 */
export interface LoopOptions {
  url: string;
  apiKey: string;
  customers: string[];
  /** The customer's current route token (tests refresh them when the release changes). */
  tokenOf(customerId: string): string;
  concurrency: number;
  maxRequests: number;
  maxMs: number;
  /** Retry a POST that failed with 5xx or a network error, with the same clientOrderId (what the chaos storefront does). */
  retryPosts?: number;
  /** Requests sent after finish(). */
  tail?: number;
}

export interface LoopFailure {
  method: string;
  status: number | string;
  version: string | null;
  atRequest: number;
}

export interface LoopResult {
  requests: number;
  failures: LoopFailure[];
  /** Answers per Orderflow-Version. */
  byVersion: Record<string, number>;
  /** Orders the client got a 2xx for. */
  accepted: Array<{ customerId: string; clientOrderId: string }>;
  ms: number;
}

export interface RequestLoop {
  /** Resolves once `count` requests were answered. */
  reached(count: number): Promise<void>;
  finish(): void;
  done: Promise<LoopResult>;
  sent(): number;
}

export function startRequestLoop(options: LoopOptions): RequestLoop {
  const started = Date.now();
  const result: LoopResult = { requests: 0, failures: [], byVersion: {}, accepted: [], ms: 0 };
  let finishedAt: number | undefined;
  let next = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const run = `${started.toString(36)}`;

  const more = () =>
    next < options.maxRequests && Date.now() - started < options.maxMs && (finishedAt === undefined || next < finishedAt + (options.tail ?? 200));

  const answered = () => {
    result.requests += 1;
    for (const waiter of waiters.filter((w) => result.requests >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };

  const send = async (index: number) => {
    const customerId = options.customers[Math.floor(Math.random() * options.customers.length)];
    const post = index % 2 === 0;
    const clientOrderId = `loop-${run}-${index}`;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, 'orderflow-route': options.tokenOf(customerId) };
      let status: number | string;
      let version: string | null = null;
      try {
        const response = post
          ? await fetch(`${options.url}/v1/orders`, {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json' },
              body: JSON.stringify({ customerId, clientOrderId, currency: 'EUR', items: [{ sku: 'UNTRACKED-1', quantity: 1, unitPriceCents: 100 }] }),
            })
          : await fetch(`${options.url}/v1/customers/${customerId}/orders?limit=5`, { headers });
        status = response.status;
        version = response.headers.get('orderflow-version');
        await response.arrayBuffer();
      } catch (error) {
        status = (error as Error).message;
      }
      const ok = typeof status === 'number' && status >= 200 && status < 300;
      if (ok) {
        if (version) result.byVersion[version] = (result.byVersion[version] ?? 0) + 1;
        if (post) result.accepted.push({ customerId, clientOrderId });
        return;
      }
      result.failures.push({ method: post ? 'POST' : 'GET', status, version, atRequest: index });
      if (!post || attempt >= (options.retryPosts ?? 0)) return;
    }
  };

  const client = async () => {
    while (more()) {
      const index = next++;
      await send(index);
      answered();
    }
  };

  const done = Promise.all(Array.from({ length: options.concurrency }, client)).then(() => {
    result.ms = Date.now() - started;
    for (const waiter of waiters.splice(0)) waiter.resolve();
    return result;
  });
  return {
    reached: (count) => (result.requests >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    finish: () => (finishedAt ??= next),
    done,
    sent: () => next,
  };
}
