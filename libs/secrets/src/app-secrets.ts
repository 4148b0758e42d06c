import type { Logger } from 'pino';
import { AppConfig, ConfigError, ConfigKey, loadConfig } from '@orderflow/config/app-config';
import { ROTATABLE_URLS, RotatableUrl } from '@orderflow/config/connection-credentials';
import { readSecretsSettings, SECRETS_SETTING_NAMES, SecretsSettings } from '@orderflow/config/secrets-settings';
import { SerialRerun } from '@orderflow/locking/serial-rerun';
import { registerSecretValues } from '@orderflow/observability/secret-scrubber';
// Types only: the Encryption SDK (about a second of module loading on a busy machine) is loaded
// when an app actually names bundles, not by every app at start.
import type { BundleReader } from './bundle-reader';

const sdk = async () => ({ ...(await import('./bundle-reader')), ...(await import('./bundle-store')), ...(await import('./keyrings')) });

type Env = Record<string, string | undefined>;

/** A variable of a bundle must not also be set in the environment (directly or as NAME_FILE). */
function conflicts(values: ReadonlyMap<string, string>, origins: ReadonlyMap<string, string>, env: Env): string[] {
  const problems: string[] = [];
  for (const name of values.keys()) {
    if (SECRETS_SETTING_NAMES.includes(name)) problems.push(`${name}: cannot come from a bundle (${origins.get(name)}); set it in the environment`);
    else if ((env[name] ?? '') !== '' || (env[`${name}_FILE`] ?? '') !== '') {
      problems.push(`${name}: set both in bundle ${origins.get(name)} and in the environment; keep one`);
    }
  }
  return problems;
}

/** The bundles an app loaded, and re-reading them while it runs (SIGHUP, SECRETS_REFRESH_SECONDS). */
export class SecretsSession {
  #values: Map<string, string>;
  /** A refresh asked for while one runs (a SIGHUP after a rotation) gets one more read after it. */
  readonly #reloads = new SerialRerun();
  #timer?: NodeJS.Timeout;
  #onHangup?: () => void;

  constructor(
    readonly settings: SecretsSettings,
    private readonly reader: BundleReader,
    private readonly env: Env,
    values: Map<string, string>,
    /** At start: downloading and decrypting, and decrypting alone (ms). */
    readonly timings: { loadMs: number; decryptMs: number },
  ) {
    this.#values = values;
  }

  get variableNames(): string[] {
    return [...this.#values.keys()].sort();
  }

  /**
   * Re-reads every bundle. A rotated password of a connection URL is handed to the pools (new
   * connections use it); any other change is reported as needing a restart. A bundle that cannot
   * be read now leaves the running values as they were.
   */
  refresh(config: AppConfig, logger: Logger): Promise<void> {
    return this.#reloads.run(() => this.reload(config, logger));
  }

  private async reload(config: AppConfig, logger: Logger): Promise<void> {
    let values: Map<string, string>;
    try {
      const { readBundles } = await sdk();
      const opened = await readBundles(this.settings.bundles, this.reader);
      const problems = conflicts(opened.values, opened.origins, this.env);
      if (problems.length > 0) throw new ConfigError(problems);
      values = opened.values;
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
      logger.warn({ problems }, 'secrets refresh failed; keeping the values loaded before');
      return;
    }
    registerSecretValues(values.values());
    const names = new Set([...values.keys(), ...this.#values.keys()]);
    const applied: string[] = [];
    const needRestart: string[] = [];
    for (const name of names) {
      const value = values.get(name);
      if (value === this.#values.get(name)) continue;
      const outcome = value !== undefined && ROTATABLE_URLS.includes(name as RotatableUrl) ? config.credentials.update(name as RotatableUrl, value) : 'restart-needed';
      (outcome === 'applied' ? applied : needRestart).push(name);
    }
    this.#values = values;
    if (needRestart.length > 0) logger.warn({ variables: needRestart }, 'secrets refreshed: these changes take effect at the next restart');
    logger.info({ applied, bundles: this.settings.bundles.length }, applied.length > 0 ? 'secrets refreshed: new connections use the new credentials' : 'secrets refreshed');
  }

  /** SIGHUP and, unless SECRETS_REFRESH_SECONDS is 0, a timer re-read the bundles. */
  startRefreshing(config: AppConfig, logger: Logger): void {
    this.#onHangup = () => {
      logger.info('SIGHUP: re-reading secret bundles');
      void this.refresh(config, logger);
    };
    process.on('SIGHUP', this.#onHangup);
    if (this.settings.refreshSeconds > 0) {
      this.#timer = setInterval(() => void this.refresh(config, logger), this.settings.refreshSeconds * 1000).unref();
    }
  }

  stop(): void {
    if (this.#onHangup) process.off('SIGHUP', this.#onHangup);
    clearInterval(this.#timer);
    this.reader.store.destroy();
  }
}

export interface LoadedConfig {
  config: AppConfig;
  /** Present when SECRETS_BUNDLES names bundles. */
  secrets?: SecretsSession;
}

/**
 * The configuration of an app or program: the environment plus, when SECRETS_BUNDLES names any,
 * the variables of those bundles (downloaded and decrypted in memory, never written out or put
 * into process.env), validated together. `app` is checked against each bundle's context
 * ("all" is accepted too); undefined accepts any app's bundle (operator programs).
 */
export async function loadAppConfig(required: readonly ConfigKey[], opts: { app?: string; env?: Env } = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const settings = readSecretsSettings(env);
  if (settings.bundles.length === 0) return { config: loadConfig(required, env, opts.app) };
  const started = process.hrtime.bigint();
  const { BundleStore, keyringsFor, readBundles } = await sdk();
  const reader: BundleReader = {
    store: new BundleStore(settings),
    keyring: keyringsFor(settings).decrypt,
    apps: opts.app ? [opts.app, 'all'] : undefined,
    environment: settings.environment,
  };
  try {
    const { values, origins, decryptMs } = await readBundles(settings.bundles, reader);
    const problems = conflicts(values, origins, env);
    if (problems.length > 0) throw new ConfigError(problems);
    registerSecretValues(values.values());
    const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
    const config = loadConfig(required, { ...env, ...Object.fromEntries(values) }, opts.app);
    return { config, secrets: new SecretsSession(settings, reader, env, values, { loadMs, decryptMs }) };
  } catch (error) {
    reader.store.destroy();
    throw error;
  }
}

/**
 * For one-shot programs (migrate, apikey, dlq, report:export): the same configuration, read once.
 * Bundles are checked against ORDERFLOW_APP when it is set (a task run with an app's settings),
 * else a bundle of any app of ORDERFLOW_ENV is accepted.
 */
export async function loadProgramConfig(required: readonly ConfigKey[], env: Env = process.env): Promise<AppConfig> {
  const { config, secrets } = await loadAppConfig(required, { app: env.ORDERFLOW_APP || undefined, env });
  secrets?.stop();
  return config;
}
