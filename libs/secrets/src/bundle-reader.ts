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
  /** Time spent decrypting and checking (the bundles in parallel: the longest one), without the download. */
  decryptMs: number;
}

/** Downloads, decrypts and checks one bundle; the reason of a failure never holds a value. */
async function openOne(url: string, reader: BundleReader): Promise<{ variables: Map<string, string>; decryptMs: number }> {
  const location = parseLocation(url);
  const ciphertext = await reader.store.read(location);
  const started = process.hrtime.bigint();
  const { plaintext } = await openBundle(reader.keyring, ciphertext, { apps: reader.apps, environment: reader.environment, bundle: bundleNameOf(location) });
  try {
    return { variables: parseDotenv(plaintext.toString('utf8')), decryptMs: Number(process.hrtime.bigint() - started) / 1e6 };
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
  const failures: Array<string | undefined> = [];
  const opened = await Promise.all(
    urls.map((url, index) =>
      openOne(url, reader).catch((error: unknown) => {
        failures[index] = `bundle ${url}: ${error instanceof BundleRejected ? error.reason : `cannot open (${(error as Error).message})`}`;
        return { variables: new Map<string, string>(), decryptMs: 0 };
      }),
    ),
  );
  // In the order of SECRETS_BUNDLES, whichever answered first.
  const problems = failures.filter((failure): failure is string => failure !== undefined);
  const values = new Map<string, string>();
  const origins = new Map<string, string>();
  opened.forEach(({ variables }, index) => {
    for (const [name, value] of variables) {
      const other = origins.get(name);
      if (other !== undefined) problems.push(`${name}: set by two bundles, ${other} and ${urls[index]}`);
      values.set(name, value);
      origins.set(name, urls[index]);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { values, origins, decryptMs: Math.max(0, ...opened.map((bundle) => bundle.decryptMs)) };
}
