import createClient, { type Client } from 'openapi-fetch';
import { toProblem } from './problem';
import { createTransport, type TransportOptions } from './transport';

/** What every Orderflow HTTP client is created with. */
export interface HttpClientOptions extends TransportOptions {
  /** e.g. `http://127.0.0.1:3000`; paths are appended to it. */
  baseUrl: string;
  /** An API key (`npm run apikey -- create`), sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** The release route token, sent as `Orderflow-Route` on every request when given. */
  routeToken?: string;
}

/** An openapi-fetch client over the keep-alive transport, authenticated, plus `close()` for its sockets. */
export function createTypedHttpClient<Paths extends {}>(options: HttpClientOptions): { http: Client<Paths>; close(): void } {
  const transport = createTransport({
    ...options,
    defaultHeaders: {
      authorization: `Bearer ${options.apiKey}`,
      ...(options.routeToken ? { 'orderflow-route': options.routeToken } : {}),
    },
  });
  const http = createClient<Paths>({ baseUrl: options.baseUrl, fetch: transport.fetch as unknown as typeof fetch, Request: transport.Request });
  return { http, close: transport.close };
}

/** The data of a 2xx answer; any other answer is thrown as an OrderflowProblem. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toProblem(error, response);
  return data as T;
}

/** Like `ok`, with the status of the answer (routes whose 200 and 201 mean different things). */
export async function withStatus<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<{ status: number; data: T }> {
  const { data, error, response } = await call;
  if (!response.ok) throw toProblem(error, response);
  return { status: response.status, data: data as T };
}
