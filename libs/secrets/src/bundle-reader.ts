import { KeyringNode } from '@aws-crypto/client-node';
import { ConfigError } from '@orderflow/config/app-config';
import { parseDotenv } from './dotenv';
import { BundleRejected, openBundle } from './envelope';
import { BundleStore, bundleNameOf, parseLocation } from './bundle-store';

export interface BundleReader {
  store: BundleStore;
  keyring: KeyringNode;
  /** The apps whose bundles are accepted (the app itself and "all"); undefined: any. */
  apps?: readonly string[];
  environment: string;
}

export interface OpenedBundles {
  values: Map<string, string>;
  /** Which bundle each variable came from. */
  origins: Map<string, string>;
}

/** Downloads, decrypts and checks one bundle; the reason of a failure never holds a value. */
async function openOne(url: string, reader: BundleReader): Promise<Map<string, string>> {
  const location = parseLocation(url);
  const ciphertext = await reader.store.read(location);
  const { plaintext } = await openBundle(reader.keyring, ciphertext, { apps: reader.apps, environment: reader.environment, bundle: bundleNameOf(location) });
  try {
    return parseDotenv(plaintext.toString('utf8'));
  } catch (error) {
    throw new BundleRejected(`decrypted, but not NAME=value lines (${(error as Error).message})`);
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Opens every bundle (in parallel) and merges their variables in memory. Every problem is
 * reported at once, each naming its bundle: a missing object, a wrong key, a tampered bundle,
 * another app's or environment's bundle, a variable set by two bundles.
 */
export async function readBundles(urls: readonly string[], reader: BundleReader): Promise<OpenedBundles> {
  const problems: string[] = [];
  const opened = await Promise.all(
    urls.map((url) =>
      openOne(url, reader).catch((error: unknown) => {
        problems.push(`bundle ${url}: ${error instanceof BundleRejected ? error.reason : `cannot open (${(error as Error).message})`}`);
        return new Map<string, string>();
      }),
    ),
  );
  const values = new Map<string, string>();
  const origins = new Map<string, string>();
  opened.forEach((bundle, index) => {
    for (const [name, value] of bundle) {
      const other = origins.get(name);
      if (other !== undefined) problems.push(`${name}: set by two bundles, ${other} and ${urls[index]}`);
      values.set(name, value);
      origins.set(name, urls[index]);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { values, origins };
}
