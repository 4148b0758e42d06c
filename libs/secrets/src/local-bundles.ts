import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleStore, parseLocation } from './bundle-store';
import { formatDotenv } from './dotenv';
import { sealBundle } from './envelope';
import { keyringsFor } from './keyrings';
import { generateLocalKey } from './local-key';

export interface LocalBundlesOptions {
  /** The state folder: the key goes to <stateDir>/secrets/local.key (made once, mode 0600). */
  stateDir: string;
  environment: string;
  /** Bundles go to s3://<bucket>/<environment>/<app>.bundle when given, else beside the key. */
  s3?: { endpoint: string; region: string; bucket: string };
  /** Each app's secret variables. */
  apps: Record<string, ReadonlyMap<string, string>>;
}

/**
 * Encrypts each app's secrets into its own bundle under a local key (for `npm start`) and
 * returns, per app, the variables that let it load them: names and paths, never a value.
 */
export async function writeLocalBundles(opts: LocalBundlesOptions): Promise<Record<string, Record<string, string>>> {
  const dir = join(opts.stateDir, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, 'local.key');
  if (!existsSync(keyFile)) writeFileSync(keyFile, generateLocalKey(), { mode: 0o600, flag: 'wx' });
  const keyrings = keyringsFor({ keyFiles: [keyFile], kmsKeyIds: [] });
  const store = new BundleStore({ region: opts.s3?.region ?? 'us-east-1', s3Endpoint: opts.s3?.endpoint });
  const envs: Record<string, Record<string, string>> = {};
  try {
    for (const [app, variables] of Object.entries(opts.apps)) {
      const url = opts.s3 ? `s3://${opts.s3.bucket}/${opts.environment}/${app}.bundle` : join(dir, `${app}.bundle`);
      const plaintext = Buffer.from(formatDotenv(variables), 'utf8');
      await store.write(parseLocation(url), await sealBundle(keyrings.encrypt, plaintext, { app, environment: opts.environment, bundle: app }));
      plaintext.fill(0);
      envs[app] = { SECRETS_BUNDLES: url, SECRETS_KEY_FILE: keyFile, ORDERFLOW_ENV: opts.environment };
    }
  } finally {
    store.destroy();
  }
  return envs;
}
