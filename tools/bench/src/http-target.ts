import { createOrderflowClient, OrderflowClient, OrderflowProblem } from '@orderflow/client';

/**
 * One API instance seen by the load generator, through the storefront client (@orderflow/client),
 * whose transport is node:http with keep-alive sockets and no WHATWG Request/Response objects
 * (far less CPU per request than fetch, which matters when the generator shares two cores with
 * the system). No retries: the harness decides what to retry and counts it.
 */
export class HttpTarget {
  readonly client: OrderflowClient;

  constructor(
    readonly baseUrl: string,
    apiKey: string,
    maxSockets = 64,
    timeoutMs = 10_000,
  ) {
    this.client = createOrderflowClient({ baseUrl, apiKey, retries: 0, maxSockets, timeoutMs });
  }

  close(): void {
    this.client.close();
  }
}

/** The HTTP status of a call: its answer's, or the problem's; other errors (timeouts, refused connections) are thrown. */
export async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    const answer = await call;
    return (answer as { status?: number } | null)?.status ?? 200;
  } catch (error) {
    if (error instanceof OrderflowProblem) return error.status;
    throw error;
  }
}
