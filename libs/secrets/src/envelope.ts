import { buildClient, CommitmentPolicy, KeyringNode } from '@aws-crypto/client-node';

/**
 * Bundles carry one encrypted data key (the current key's); a few more are tolerated, a message
 * with many is refused before any key service is called (a crafted bundle cannot make the app
 * call KMS hundreds of times).
 */
export const MAX_ENCRYPTED_DATA_KEYS = 3;

const { encrypt, decrypt } = buildClient({
  commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
  maxEncryptedDataKeys: MAX_ENCRYPTED_DATA_KEYS,
});

/** Authenticated with the bundle and, with KMS, the condition keys of the key policy (kms:EncryptionContext:app...). */
export interface BundleContext {
  /** api, worker, reporting, or all. */
  app: string;
  environment: string;
  /** The bundle's name: its file name without extension. */
  bundle: string;
}

/** What a reader accepts. `apps` or `environment` undefined accepts any (operator tools). */
export interface ExpectedContext {
  apps?: readonly string[];
  environment?: string;
  bundle: string;
}

/** A bundle that cannot be used; `reason` says why and never contains a secret. */
export class BundleRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'BundleRejected';
  }
}

export async function sealBundle(keyring: KeyringNode, plaintext: Uint8Array, context: BundleContext): Promise<Buffer> {
  const { result } = await encrypt(keyring, plaintext, { encryptionContext: { ...context } });
  return result;
}

/** The SDK's failures, in an operator's words. */
function reasonFor(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/unencryptedDataKey has not been set|Unable to decrypt data key/i.test(message)) {
    return 'wrong key: the bundle is encrypted under none of the configured keys';
  }
  if (/maxEncryptedDataKeys/i.test(message)) return `refused: more than ${MAX_ENCRYPTED_DATA_KEYS} encrypted data keys`;
  if (/supported message format|Malformed/i.test(message)) return `not a bundle (${message})`;
  if (/AccessDenied|not authorized/i.test(message)) return `key service denied decryption (${message})`;
  return `tampered or corrupt: authentication failed (${message})`;
}

/**
 * Decrypts a bundle and checks its encryption context, which the JavaScript SDK authenticates
 * but does not compare: a bundle of another app, environment or name is refused.
 */
export async function openBundle(keyring: KeyringNode, ciphertext: Uint8Array, expected: ExpectedContext): Promise<{ plaintext: Buffer; context: BundleContext }> {
  let result: Awaited<ReturnType<typeof decrypt>>;
  try {
    result = await decrypt(keyring, ciphertext);
  } catch (error) {
    throw new BundleRejected(reasonFor(error));
  }
  const { app = '', environment = '', bundle = '' } = result.messageHeader.encryptionContext;
  const context = { app, environment, bundle };
  const mismatches = [
    expected.apps && !expected.apps.includes(app) ? `app "${app}" (expected ${expected.apps.map((a) => `"${a}"`).join(' or ')})` : undefined,
    expected.environment !== undefined && environment !== expected.environment ? `environment "${environment}" (expected "${expected.environment}")` : undefined,
    bundle !== expected.bundle ? `bundle "${bundle}" (expected "${expected.bundle}")` : undefined,
  ].filter((m): m is string => m !== undefined);
  if (mismatches.length > 0) {
    result.plaintext.fill(0);
    throw new BundleRejected(`wrong context: encrypted for ${mismatches.join(', ')}`);
  }
  return { plaintext: result.plaintext, context };
}
