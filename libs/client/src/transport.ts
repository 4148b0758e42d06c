import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The HTTP transport under openapi-fetch: node:http(s) with keep-alive sockets, a timeout per
 * attempt, and retries of 5xx answers, timeouts and connection errors. The order routes of Orderflow
 * are idempotent (an order by its clientOrderId, a cancel, a PUT), so a retry resends the very
 * same request. (The client sends the non-idempotent release actions with retries: 0.) The WHATWG Request/Response classes cost about as much CPU as the request itself
 * (measured: 150-170 us each here), which matters to a load generator sharing cores with the
 * system, so the transport uses the light request below and answers a light Response.
 */

export interface TransportOptions {
  /** Retries after the first attempt (default 2); 0 for none. */
  retries?: number;
  /** Per attempt (default 10 000 ms). */
  timeoutMs?: number;
  /** Upper bound of one wait between attempts, also when Retry-After asks for more (default 5000 ms). */
  maxRetryDelayMs?: number;
  /** Sockets kept per origin (default 64). */
  maxSockets?: number;
  /** Headers of every request (authentication, route token), added here rather than merged per call. */
  defaultHeaders?: Record<string, string>;
}

export class OrderflowTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutMs: number, readonly url: string) {
    super(`no answer from ${url} within ${timeoutMs} ms`);
    this.name = 'OrderflowTimeoutError';
  }
}

/** What openapi-fetch builds a request into: the URL, method, headers and serialized body, kept as they are. */
export class TransportRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;

  constructor(input: string, init: { method?: string; headers?: Headers; body?: unknown }) {
    this.url = input;
    this.method = init.method ?? 'GET';
    this.headers = init.headers ?? new Headers();
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      throw new TypeError('the Orderflow transport sends JSON or text bodies only');
    }
    this.body = init.body ?? undefined;
  }
}

/** The part of a Response that openapi-fetch and the client read. */
class TransportResponse {
  readonly ok: boolean;
  readonly statusText = '';
  readonly bodyUsed = false;
  readonly headers: { get(name: string): string | null; has(name: string): boolean };

  constructor(
    readonly status: number,
    rawHeaders: http.IncomingHttpHeaders,
    private readonly payload: string,
    readonly url: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = {
      get: (name) => {
        const value = rawHeaders[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
      has: (name) => rawHeaders[name.toLowerCase()] !== undefined,
    };
  }

  async text(): Promise<string> {
    return this.payload;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.payload);
  }
}

export interface Transport {
  fetch: (request: TransportRequest) => Promise<Response>;
  Request: typeof Request;
  close(): void;
}

/** A transport for one client: its own keep-alive agents, closed by `close()`. */
export function createTransport(options: TransportOptions = {}): Transport {
  const retries = Math.max(0, options.retries ?? 2);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
  const maxSockets = options.maxSockets ?? 64;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets }),
  };

  const defaultHeaders = options.defaultHeaders ?? {};
  // Parsing every URL shows in a load generator's profile: the origins seen are parsed once.
  const origins = new Map<string, URL>();
  const target = (href: string): { origin: URL; path: string } => {
    const pathStart = href.indexOf('/', href.indexOf('//') + 2);
    const originHref = pathStart === -1 ? href : href.slice(0, pathStart);
    let origin = origins.get(originHref);
    if (!origin) origins.set(originHref, (origin = new URL(originHref)));
    return { origin, path: pathStart === -1 ? '/' : href.slice(pathStart) };
  };

  const once = (request: TransportRequest): Promise<TransportResponse> => {
    const { origin: url, path } = target(request.url);
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = { ...defaultHeaders };
    request.headers.forEach((value, name) => (headers[name] = value));
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        {
          protocol: url.protocol,
          host: url.hostname,
          port: url.port,
          method: request.method,
          path,
          agent: agents[secure ? 'https:' : 'http:'],
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(new TransportResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'), request.url)));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new OrderflowTimeoutError(timeoutMs, request.url)));
      req.on('error', reject);
      req.end(request.body);
    });
  };

  const fetch = async (request: TransportRequest): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      let response: TransportResponse | undefined;
      try {
        response = await once(request);
        if (response.status < 500 || attempt >= retries) return response as unknown as Response;
      } catch (error) {
        if (attempt >= retries || !isRetryableError(error)) throw error;
      }
      await sleep(retryDelayMs(attempt, response?.headers.get('retry-after') ?? null, maxRetryDelayMs));
    }
  };

  return {
    fetch,
    Request: TransportRequest as unknown as typeof Request,
    close: () => Object.values(agents).forEach((agent) => agent.destroy()),
  };
}

/** Timeouts and connections refused or reset: the request may not have arrived, or its answer was lost. */
function isRetryableError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return error instanceof OrderflowTimeoutError || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET'].includes(code ?? '');
}

/** Retry-After when the server gives one, else exponential backoff with jitter (100, 200, 400 ms...). */
export function retryDelayMs(attempt: number, retryAfter: string | null, maxMs: number): number {
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  const delay = seconds !== null ? seconds * 1000 : 100 * 2 ** attempt * (0.5 + Math.random());
  return Math.min(delay, maxMs);
}
