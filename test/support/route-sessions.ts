/** Route tokens of many customers, fetched from the session endpoint (through the router, as a storefront would). */
export class RouteSessions {
  private readonly tokens = new Map<string, string>();
  readonly versions = new Map<string, Record<string, string>>();

  constructor(private readonly url: string, private readonly apiKey: string) {}

  async refresh(customers: readonly string[]): Promise<void> {
    for (let i = 0; i < customers.length; i += 16) {
      await Promise.all(customers.slice(i, i + 16).map((customerId) => this.refreshOne(customerId)));
    }
  }

  async refreshOne(customerId: string): Promise<void> {
    const response = await fetch(`${this.url}/v1/customers/${encodeURIComponent(customerId)}/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.apiKey}` },
    });
    if (response.status !== 200) throw new Error(`session of ${customerId}: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { route: string; versions: Record<string, string> };
    this.tokens.set(customerId, body.route);
    this.versions.set(customerId, body.versions);
  }

  token(customerId: string): string {
    return this.tokens.get(customerId) ?? '';
  }

  /** Customers whose session names `version` for the API. */
  on(version: string): string[] {
    return [...this.versions].filter(([, v]) => v.api === version).map(([c]) => c);
  }
}
