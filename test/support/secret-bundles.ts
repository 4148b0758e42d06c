import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BundleStore, bundleNameOf, parseLocation } from '@orderflow/secrets/bundle-store';
import { formatDotenv } from '@orderflow/secrets/dotenv';
import { BundleContext, sealBundle } from '@orderflow/secrets/envelope';
import { keyringsFor } from '@orderflow/secrets/keyrings';
import { generateLocalKey } from '@orderflow/secrets/local-key';

/** A new local key file in `dir` (as `secrets keygen` makes it). */
export function makeKeyFile(dir: string, name: string): string {
  const file = join(dir, `${name}.key`);
  writeFileSync(file, generateLocalKey(), { mode: 0o600 });
  return file;
}

/**
 * Encrypts `variables` into a bundle at `url` under the first key file, with the context given
 * (the bundle name defaults to the one its URL implies, as `secrets encrypt` does).
 */
export async function writeBundle(
  url: string,
  variables: Record<string, string>,
  context: Omit<BundleContext, 'bundle'> & { bundle?: string },
  keyFiles: string[],
  s3Endpoint?: string,
): Promise<void> {
  const location = parseLocation(url);
  const store = new BundleStore({ region: 'us-east-1', s3Endpoint });
  try {
    const plaintext = Buffer.from(formatDotenv(new Map(Object.entries(variables))), 'utf8');
    const sealed = await sealBundle(keyringsFor({ keyFiles, kmsKeyIds: [] }).encrypt, plaintext, { bundle: bundleNameOf(location), ...context });
    await store.write(location, sealed);
  } finally {
    store.destroy();
  }
}

/** Reads a bundle's raw bytes and writes them back with one bit flipped at `offset` from the end. */
export async function tamperBundle(url: string, s3Endpoint: string | undefined, offsetFromEnd: number): Promise<void> {
  const location = parseLocation(url);
  const store = new BundleStore({ region: 'us-east-1', s3Endpoint });
  try {
    const bytes = Buffer.from(await store.read(location));
    bytes[bytes.length - offsetFromEnd] ^= 0x01;
    await store.write(location, bytes);
  } finally {
    store.destroy();
  }
}
