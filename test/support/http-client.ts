export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * A tiny JSON client over fetch that never throws on HTTP errors, for the contract tests that must
 * send what a storefront's client never would (malformed bodies, wrong content types, odd headers)
 * or inspect raw answers. Tests that place and read orders the ordinary way use @orderflow/client.
 */
export function httpClient(baseUrl: string, apiKey?: string) {
  return async function request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  };
}

export type HttpRequest = ReturnType<typeof httpClient>;
