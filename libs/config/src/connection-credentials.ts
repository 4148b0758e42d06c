/** Connection URLs whose password a secrets refresh may change while the app runs. */
export type RotatableUrl = 'DATABASE_URL' | 'DATABASE_REPLICA_URL' | 'REDIS_URL';
export const ROTATABLE_URLS: readonly RotatableUrl[] = ['DATABASE_URL', 'DATABASE_REPLICA_URL', 'REDIS_URL'];

export type CredentialUpdate = 'unchanged' | 'applied' | 'restart-needed';

/** The URL without its password: what must stay the same for a password change to apply live. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

function passwordOf(url: string): string | undefined {
  try {
    const { password } = new URL(url);
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}

/**
 * The passwords of the connection URLs as they are now. Pools read them for every new
 * connection, so a refreshed bundle with a rotated password reaches new connections without a
 * restart. Values live in a private field: the object serialises to nothing useful in a log.
 */
export class ConnectionCredentials {
  readonly #urls = new Map<RotatableUrl, string>();
  readonly #listeners = new Map<RotatableUrl, Array<(password: string | undefined) => void>>();

  constructor(urls: Partial<Record<RotatableUrl, string>>) {
    for (const name of ROTATABLE_URLS) if (urls[name]) this.#urls.set(name, urls[name]!);
  }

  /** The current password of that URL (decoded), undefined when it has none. */
  password(name: RotatableUrl): string | undefined {
    const url = this.#urls.get(name);
    return url === undefined ? undefined : passwordOf(url);
  }

  /** Called with the new password whenever `update` applies one. */
  onChange(name: RotatableUrl, listener: (password: string | undefined) => void): void {
    this.#listeners.set(name, [...(this.#listeners.get(name) ?? []), listener]);
  }

  /** Takes a new value of the URL: applied live when only the password differs, else left for a restart. */
  update(name: RotatableUrl, url: string): CredentialUpdate {
    const current = this.#urls.get(name);
    if (current === url) return 'unchanged';
    if (current === undefined || withoutPassword(current) !== withoutPassword(url)) return 'restart-needed';
    this.#urls.set(name, url);
    for (const listener of this.#listeners.get(name) ?? []) listener(passwordOf(url));
    return 'applied';
  }

  toJSON(): string {
    return '[connection credentials]';
  }
}
