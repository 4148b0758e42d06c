import { ConfigError } from './app-config';

type Env = Record<string, string | undefined>;

/** Where an app's secret bundles are and how to open them (README, "Secrets"). */
export interface SecretsSettings {
  /** SECRETS_BUNDLES: s3:// URLs or file paths; empty means no bundles. */
  bundles: string[];
  /** ORDERFLOW_ENV: the environment the bundles must have been encrypted for. */
  environment: string;
  /** SECRETS_KEY_FILE: local key files, the current key first, older ones accepted for decrypting. */
  keyFiles: string[];
  /** SECRETS_KMS_KEY_ID: KMS key ARNs, the current key first. */
  kmsKeyIds: string[];
  /** SECRETS_REFRESH_SECONDS: re-read the bundles this often (0: only on SIGHUP). */
  refreshSeconds: number;
  region: string;
  s3Endpoint?: string;
}

/** Variables that say where secrets are: they cannot come from a bundle themselves. */
export const SECRETS_SETTING_NAMES = ['SECRETS_BUNDLES', 'ORDERFLOW_ENV', 'SECRETS_KEY_FILE', 'SECRETS_KMS_KEY_ID', 'SECRETS_REFRESH_SECONDS'];

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/**
 * Reads and validates the SECRETS_* variables. `needKey` is for programs that must open or make
 * a bundle even when the environment names none (the secrets CLI).
 */
export function readSecretsSettings(env: Env, needKey = false): SecretsSettings {
  const problems: string[] = [];
  const bundles = list(env.SECRETS_BUNDLES);
  const keyFiles = list(env.SECRETS_KEY_FILE);
  const kmsKeyIds = list(env.SECRETS_KMS_KEY_ID);
  const environment = env.ORDERFLOW_ENV ?? '';
  const refreshRaw = env.SECRETS_REFRESH_SECONDS;
  const refreshSeconds = refreshRaw === undefined || refreshRaw === '' ? 300 : Number(refreshRaw);
  if (!Number.isInteger(refreshSeconds) || refreshSeconds < 0 || refreshSeconds > 86400) {
    problems.push(`SECRETS_REFRESH_SECONDS: must be an integer between 0 and 86400, got "${refreshRaw}"`);
  }
  for (const bundle of bundles) {
    if (bundle.startsWith('s3://') ? !/^s3:\/\/[^/]+\/.+/.test(bundle) : /^[a-z][a-z0-9+.-]*:\/\//i.test(bundle)) {
      problems.push(`SECRETS_BUNDLES: "${bundle}" is neither an s3://BUCKET/KEY URL nor a file path`);
    }
  }
  if (bundles.length > 0 || needKey) {
    if (keyFiles.length > 0 && kmsKeyIds.length > 0) problems.push('SECRETS_KEY_FILE and SECRETS_KMS_KEY_ID: set one, not both');
    if (keyFiles.length === 0 && kmsKeyIds.length === 0) {
      problems.push('SECRETS_KMS_KEY_ID (on AWS) or SECRETS_KEY_FILE (locally): one is required to open secret bundles');
    }
  }
  if (bundles.length > 0 && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(environment)) {
    problems.push('ORDERFLOW_ENV: required with SECRETS_BUNDLES (lower-case letters, digits and dashes, e.g. prod)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    bundles,
    environment,
    keyFiles,
    kmsKeyIds,
    refreshSeconds,
    region: env.AWS_REGION || 'us-east-1',
    s3Endpoint: env.S3_ENDPOINT || undefined,
  };
}
