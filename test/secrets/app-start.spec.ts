import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBucket } from '@orderflow/devstack/queues';
import { SqsEmulator, startSqsEmulator } from '@orderflow/devstack/sqs-emulator';
import { runAppToExit } from '../support/app-process';
import { makeKeyFile, tamperBundle, writeBundle } from '../support/secret-bundles';

const BUCKET = 'orderflow-secrets';
const SECRET = 'Start-Secret-9c1e44';
const DB_URL = `postgres://orderflow_api:${SECRET}@127.0.0.1:1/orderflow`;

/**
 * The real app process, given bundles it must refuse: it stops before connecting to anything,
 * with exit 78 and a message naming the bundle and the reason, and never prints a value.
 */
describe('an app started with a bad secret bundle', () => {
  let s3: SqsEmulator;
  let dir: string;
  let key: string;
  let otherKey: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orderflow-secrets-start-'));
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    s3 = await startSqsEmulator({ logDir: dir });
    await ensureBucket({ endpoint: s3.endpoint, region: 'us-east-1', bucket: BUCKET });
    key = makeKeyFile(dir, 'current');
    otherKey = makeKeyFile(dir, 'other');
    env = { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', SECRETS_KEY_FILE: key, ORDERFLOW_ENV: 'prod', REDIS_URL: 'redis://127.0.0.1:1' };
  });

  afterAll(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, () => Promise<string>, RegExp]> = [
    ['a missing object', async () => `s3://${BUCKET}/prod/absent.bundle`, /missing: no such object/],
    [
      'a tampered bundle',
      async () => {
        const url = `s3://${BUCKET}/prod/tampered.bundle`;
        await writeBundle(url, { DATABASE_URL: DB_URL }, { app: 'api', environment: 'prod' }, [key], s3.endpoint);
        await tamperBundle(url, s3.endpoint, 150);
        return url;
      },
      /tampered or corrupt: authentication failed/,
    ],
    [
      'a bundle under another key',
      async () => {
        const url = `s3://${BUCKET}/prod/other-key.bundle`;
        await writeBundle(url, { DATABASE_URL: DB_URL }, { app: 'api', environment: 'prod' }, [otherKey], s3.endpoint);
        return url;
      },
      /wrong key: the bundle is encrypted under none of the configured keys/,
    ],
    [
      'a dev bundle offered to prod',
      async () => {
        const url = `s3://${BUCKET}/dev/api.bundle`;
        await writeBundle(url, { DATABASE_URL: DB_URL }, { app: 'api', environment: 'dev' }, [key], s3.endpoint);
        return url;
      },
      /wrong context: encrypted for environment "dev" \(expected "prod"\)/,
    ],
    [
      "the worker's bundle",
      async () => {
        const url = `s3://${BUCKET}/prod/worker.bundle`;
        await writeBundle(url, { DATABASE_URL: DB_URL }, { app: 'worker', environment: 'prod' }, [key], s3.endpoint);
        return url;
      },
      /wrong context: encrypted for app "worker" \(expected "api" or "all"\)/,
    ],
  ];

  it.each(cases)('refuses %s: exit 78, naming the bundle and why', async (_what, arrange, reason) => {
    const url = await arrange();
    const { code, output } = await runAppToExit('api', { ...env, SECRETS_BUNDLES: url });
    expect(code).toBe(78);
    expect(output).toContain(`api: Invalid configuration:\n  - bundle ${url}: `);
    expect(output).toMatch(reason);
    expect(output).not.toContain(SECRET);
  });

  it('refuses a variable set both in its bundle and in its environment, naming it and not its value', async () => {
    const url = `s3://${BUCKET}/prod/api.bundle`;
    await writeBundle(url, { DATABASE_URL: DB_URL, REDIS_URL: `redis://:${SECRET}@127.0.0.1:1` }, { app: 'api', environment: 'prod' }, [key], s3.endpoint);
    const { code, output } = await runAppToExit('api', { ...env, SECRETS_BUNDLES: url });
    expect(code).toBe(78);
    expect(output).toContain(`REDIS_URL: set both in bundle ${url} and in the environment; keep one`);
    expect(output).not.toContain(SECRET);
  });

  it('names the missing settings when bundles are given without a key or an environment', async () => {
    const { code, output } = await runAppToExit('api', { S3_ENDPOINT: s3.endpoint, SECRETS_BUNDLES: `s3://${BUCKET}/prod/api.bundle` });
    expect(code).toBe(78);
    expect(output).toContain('SECRETS_KMS_KEY_ID (on AWS) or SECRETS_KEY_FILE (locally): one is required');
    expect(output).toContain('ORDERFLOW_ENV: required with SECRETS_BUNDLES');
  });
});
