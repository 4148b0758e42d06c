import { KeyringNode, KmsKeyringNode, MultiKeyringNode, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { ConfigError } from '@orderflow/config/app-config';
import { SecretsSettings } from '@orderflow/config/secrets-settings';
import { LocalKey, readLocalKey } from './local-key';

/** The raw keyring's provider namespace: stored in every bundle made with a local key. */
const LOCAL_KEY_NAMESPACE = 'orderflow-local';

export interface Keyrings {
  /** Encrypts under the current key only: one encrypted data key per bundle. */
  encrypt: KeyringNode;
  /** Opens bundles made under any configured key: the current one and those being rotated out. */
  decrypt: KeyringNode;
  /** Which key encrypts, for messages (an id or ARN, never key material). */
  current: string;
}

function rawAesKeyring(key: LocalKey): RawAesKeyringNode {
  return new RawAesKeyringNode({
    keyName: key.id,
    keyNamespace: LOCAL_KEY_NAMESPACE,
    // The keyring zeroes the buffer it is given and needs one of its own (not a slice of a pool).
    unencryptedMasterKey: new Uint8Array(key.material),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
}

/**
 * KMS on AWS (SECRETS_KMS_KEY_ID), a raw AES key from a file locally (SECRETS_KEY_FILE): the
 * same message format either way, so the decrypt path is the same code. The first key listed is
 * current; the others only decrypt, for the time of a rotation.
 */
export function keyringsFor(settings: Pick<SecretsSettings, 'keyFiles' | 'kmsKeyIds'>): Keyrings {
  if (settings.kmsKeyIds.length > 0) {
    const [current, ...previous] = settings.kmsKeyIds;
    return {
      encrypt: new KmsKeyringNode({ generatorKeyId: current }),
      decrypt: new KmsKeyringNode({ generatorKeyId: current, keyIds: previous }),
      current,
    };
  }
  let keys: LocalKey[];
  try {
    keys = settings.keyFiles.map(readLocalKey);
  } catch (error) {
    throw new ConfigError([`SECRETS_KEY_FILE: ${(error as Error).message}`]);
  }
  if (keys.length === 0) throw new ConfigError(['SECRETS_KEY_FILE or SECRETS_KMS_KEY_ID: no key configured']);
  const keyrings = keys.map(rawAesKeyring);
  keys.forEach((key) => key.material.fill(0));
  return {
    encrypt: keyrings[0],
    decrypt: keyrings.length === 1 ? keyrings[0] : new MultiKeyringNode({ children: keyrings }),
    current: keys[0].id,
  };
}
