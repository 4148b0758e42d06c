import { ConfigError } from './app-config';
import { readSecretsSettings } from './secrets-settings';

function problemsOf(env: Record<string, string>, needKey = false): string[] {
  try {
    readSecretsSettings(env, needKey);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('secrets settings', () => {
  it('reads lists of bundles and keys, the current key first, with the documented defaults', () => {
    expect(readSecretsSettings({ SECRETS_BUNDLES: 's3://b/prod/api.bundle, ./local.bundle', SECRETS_KEY_FILE: 'new.key,old.key', ORDERFLOW_ENV: 'prod' })).toMatchObject({
      bundles: ['s3://b/prod/api.bundle', './local.bundle'],
      keyFiles: ['new.key', 'old.key'],
      kmsKeyIds: [],
      environment: 'prod',
      refreshSeconds: 300,
      region: 'us-east-1',
    });
    expect(readSecretsSettings({}).bundles).toEqual([]);
  });

  it('names every missing or contradictory setting', () => {
    expect(problemsOf({ SECRETS_BUNDLES: 's3://bucket-only', SECRETS_REFRESH_SECONDS: '-1' })).toEqual([
      'SECRETS_REFRESH_SECONDS: must be an integer between 0 and 86400, got "-1"',
      'SECRETS_BUNDLES: "s3://bucket-only" is neither an s3://BUCKET/KEY URL nor a file path',
      'SECRETS_KMS_KEY_ID (on AWS) or SECRETS_KEY_FILE (locally): one is required to open secret bundles',
      'ORDERFLOW_ENV: required with SECRETS_BUNDLES (lower-case letters, digits and dashes, e.g. prod)',
    ]);
    expect(problemsOf({ SECRETS_KEY_FILE: 'a.key', SECRETS_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:1:key/x' }, true)).toEqual([
      'SECRETS_KEY_FILE and SECRETS_KMS_KEY_ID: set one, not both',
    ]);
    expect(problemsOf({ SECRETS_BUNDLES: 'https://example.com/api.bundle', SECRETS_KEY_FILE: 'a.key', ORDERFLOW_ENV: 'Prod' })).toEqual([
      'SECRETS_BUNDLES: "https://example.com/api.bundle" is neither an s3://BUCKET/KEY URL nor a file path',
      'ORDERFLOW_ENV: required with SECRETS_BUNDLES (lower-case letters, digits and dashes, e.g. prod)',
    ]);
  });
});
