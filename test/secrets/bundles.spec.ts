import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { ConfigError } from '@orderflow/config/app-config';
import { ensureBucket } from '@orderflow/devstack/queues';
import { SqsEmulator, startSqsEmulator } from '@orderflow/devstack/sqs-emulator';
import { loadAppConfig } from '@orderflow/secrets/app-secrets';
import { eventually } from '../support/eventually';
import { makeKeyFile, tamperBundle, writeBundle } from '../support/secret-bundles';

const ROOT = resolve(__dirname, '../..');
const BUCKET = 'orderflow-secrets';
const DB_URL = 'postgres://orderflow_api:Bundle-Secret-0x5a17@db.internal:5432/orderflow';
const REDIS_URL = 'redis://:Redis-Secret-77f3@cache.internal:6379';

/** `npm run secrets -- ...` (built), with its exit code and output. */
async function secretsCli(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = promisify(execFile)(process.execPath, [join(ROOT, 'dist/bin/secrets.js'), ...args], { env: { ...process.env, ...env }, cwd: ROOT });
  if (input !== undefined) run.child.stdin!.end(input);
  return run.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** The problems of a configuration that must fail to load. */
async function problemsOf(env: Record<string, string>, app = 'api'): Promise<string[]> {
  try {
    await loadAppConfig(['DATABASE_URL'], { app, env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('secret bundles on S3 (fauxqs)', () => {
  let s3: SqsEmulator;
  let dir: string;
  let oldKey: string;
  let newKey: string;
  let aws: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orderflow-secrets-'));
    // In-process readers get credentials as the apps do, from the SDK's default chain.
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    s3 = await startSqsEmulator({ logDir: dir });
    await ensureBucket({ endpoint: s3.endpoint, region: 'us-east-1', bucket: BUCKET });
    aws = { S3_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    oldKey = makeKeyFile(dir, 'old');
    newKey = makeKeyFile(dir, 'new');
  });

  afterAll(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const appEnv = (bundles: string, keyFiles: string[], extra: Record<string, string> = {}) => ({
    ...aws,
    SECRETS_BUNDLES: bundles,
    SECRETS_KEY_FILE: keyFiles.join(','),
    ORDERFLOW_ENV: 'prod',
    ...extra,
  });

  it('round-trips through the CLI: encrypt from stdin, decrypt shows names (values only with --reveal), the app loads the values', async () => {
    const url = `s3://${BUCKET}/prod/api.bundle`;
    const env = { ...aws, SECRETS_KEY_FILE: newKey };
    const encrypted = await secretsCli(['encrypt', '--in', '-', '--out', url, '--app', 'api', '--env', 'prod'], env, `# the API\nDATABASE_URL=${DB_URL}\nREDIS_URL="${REDIS_URL}"\n`);
    expect(encrypted).toMatchObject({ code: 0 });
    expect(encrypted.stdout).toContain('2 variable(s) (DATABASE_URL, REDIS_URL) for app=api environment=prod bundle=api');
    expect(encrypted.stdout + encrypted.stderr).not.toContain('Bundle-Secret');

    const listed = await secretsCli(['decrypt', '--in', url], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('app=api environment=prod bundle=api');
    expect(listed.stdout).toMatch(/DATABASE_URL\n\s+REDIS_URL/);
    expect(listed.stdout).not.toContain('Bundle-Secret');
    const revealed = await secretsCli(['decrypt', '--in', url, '--reveal'], env);
    expect(revealed.stdout).toContain(`DATABASE_URL=${DB_URL}\nREDIS_URL=${REDIS_URL}\n`);

    const { config, secrets } = await loadAppConfig(['DATABASE_URL', 'REDIS_URL'], { app: 'api', env: appEnv(url, [newKey]) });
    secrets?.stop();
    expect(config.databaseUrl).toBe(DB_URL);
    expect(config.redisUrl).toBe(REDIS_URL);
    expect(config.credentials.password('DATABASE_URL')).toBe('Bundle-Secret-0x5a17');
    expect(secrets?.variableNames).toEqual(['DATABASE_URL', 'REDIS_URL']);
    // Decrypted values never join the process environment (children would inherit them).
    expect(JSON.stringify(process.env)).not.toContain('Bundle-Secret');
  });

  it('refuses a tampered bundle, naming the bundle and the reason', async () => {
    for (const [name, offset] of [['tampered-body', 120], ['tampered-signature', 20]] as const) {
      const url = `s3://${BUCKET}/prod/${name}.bundle`;
      await writeBundle(url, { DATABASE_URL: DB_URL }, { app: 'api', environment: 'prod' }, [newKey], s3.endpoint);
      await tamperBundle(url, s3.endpoint, offset);
      const [problem] = await problemsOf(appEnv(url, [newKey]));
      expect(problem).toMatch(new RegExp(`^bundle ${url}: tampered or corrupt: authentication failed`));
    }
  });

  it('refuses a bundle of another environment (a dev bundle offered to prod) or of another app, or stored under another name', async () => {
    const dev = `s3://${BUCKET}/dev/api.bundle`;
    await writeBundle(dev, { DATABASE_URL: DB_URL }, { app: 'api', environment: 'dev' }, [newKey], s3.endpoint);
    expect(await problemsOf(appEnv(dev, [newKey]))).toEqual([`bundle ${dev}: wrong context: encrypted for environment "dev" (expected "prod")`]);

    const worker = `s3://${BUCKET}/prod/worker.bundle`;
    await writeBundle(worker, { DATABASE_URL: DB_URL }, { app: 'worker', environment: 'prod' }, [newKey], s3.endpoint);
    expect(await problemsOf(appEnv(worker, [newKey]))).toEqual([`bundle ${worker}: wrong context: encrypted for app "worker" (expected "api" or "all")`]);

    // A bundle copied over another one's object keeps its own name in its context.
    const renamed = `s3://${BUCKET}/prod/reporting.bundle`;
    await writeBundle(renamed, { DATABASE_URL: DB_URL }, { app: 'all', environment: 'prod', bundle: 'shared' }, [newKey], s3.endpoint);
    expect(await problemsOf(appEnv(renamed, [newKey]))).toEqual([`bundle ${renamed}: wrong context: encrypted for bundle "shared" (expected "reporting")`]);
  });

  it('refuses a bundle under a key it does not have, and a missing object or file', async () => {
    const url = `s3://${BUCKET}/prod/old-key.bundle`;
    await writeBundle(url, { DATABASE_URL: DB_URL }, { app: 'api', environment: 'prod' }, [oldKey], s3.endpoint);
    expect(await problemsOf(appEnv(url, [newKey]))).toEqual([`bundle ${url}: wrong key: the bundle is encrypted under none of the configured keys`]);
    const missing = `s3://${BUCKET}/prod/nothing-here.bundle`;
    const file = join(dir, 'absent.bundle');
    expect(await problemsOf(appEnv(`${missing},${file}`, [newKey]))).toEqual([`bundle ${missing}: missing: no such object`, `bundle ${file}: missing: no such file`]);
  });

  it('refuses a variable set both in a bundle and in the environment, or by two bundles, naming it and never its value', async () => {
    const url = `s3://${BUCKET}/prod/core.bundle`;
    await writeBundle(url, { DATABASE_URL: DB_URL, REDIS_URL }, { app: 'all', environment: 'prod' }, [newKey], s3.endpoint);
    const problems = await problemsOf(appEnv(url, [newKey], { REDIS_URL: 'redis://elsewhere:6379' }));
    expect(problems).toEqual([`REDIS_URL: set both in bundle ${url} and in the environment; keep one`]);
    const second = join(dir, 'extra.bundle');
    await writeBundle(second, { DATABASE_URL: 'postgres://other@db/x' }, { app: 'api', environment: 'prod' }, [newKey]);
    expect(await problemsOf(appEnv(`${url},${second}`, [newKey]))).toEqual([`DATABASE_URL: set by two bundles, ${url} and ${second}`]);
    expect(JSON.stringify(problems)).not.toContain('Secret');
  });

  it('rotates keys: old and new accepted during the rotation, `rotate` re-encrypts under the new key, then the old key is no longer needed', async () => {
    const url = `s3://${BUCKET}/prod/rotating.bundle`;
    await writeBundle(url, { DATABASE_URL: DB_URL }, { app: 'api', environment: 'prod' }, [oldKey], s3.endpoint);
    // During the rotation the apps list the new key first and keep the old one.
    const during = await loadAppConfig(['DATABASE_URL'], { app: 'api', env: appEnv(url, [newKey, oldKey]) });
    during.secrets?.stop();
    expect(during.config.databaseUrl).toBe(DB_URL);

    const rotated = await secretsCli(['rotate', '--in', url], { ...aws, SECRETS_KEY_FILE: `${newKey},${oldKey}` });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/re-encrypted .* under key local-/);

    const after = await loadAppConfig(['DATABASE_URL'], { app: 'api', env: appEnv(url, [newKey]) });
    after.secrets?.stop();
    expect(after.config.databaseUrl).toBe(DB_URL);
    expect(await problemsOf(appEnv(url, [oldKey]))).toEqual([`bundle ${url}: wrong key: the bundle is encrypted under none of the configured keys`]);
  });

  it('refresh: applies a rotated password, reports other changes for a restart, keeps the running values when the bundle cannot be opened', async () => {
    const url = `s3://${BUCKET}/prod/refresh.bundle`;
    await writeBundle(url, { DATABASE_URL: DB_URL, LOCK_TTL_MS: '5000' }, { app: 'api', environment: 'prod' }, [newKey], s3.endpoint);
    const { config, secrets } = await loadAppConfig(['DATABASE_URL'], { app: 'api', env: appEnv(url, [newKey]) });
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    try {
      const rotated = DB_URL.replace('Bundle-Secret-0x5a17', 'Rotated-Secret-0x77');
      await writeBundle(url, { DATABASE_URL: rotated, LOCK_TTL_MS: '6000' }, { app: 'api', environment: 'prod' }, [newKey], s3.endpoint);
      await secrets!.refresh(config, logger);
      expect(config.credentials.password('DATABASE_URL')).toBe('Rotated-Secret-0x77');
      expect(lines.map((line) => JSON.parse(line))).toEqual([
        expect.objectContaining({ msg: 'secrets refreshed: these changes take effect at the next restart', variables: ['LOCK_TTL_MS'] }),
        expect.objectContaining({ msg: 'secrets refreshed: new connections use the new credentials', applied: ['DATABASE_URL'] }),
      ]);

      lines.length = 0;
      await tamperBundle(url, s3.endpoint, 100);
      await secrets!.refresh(config, logger);
      expect(config.credentials.password('DATABASE_URL')).toBe('Rotated-Secret-0x77');
      expect(JSON.parse(lines[0])).toMatchObject({
        msg: 'secrets refresh failed; keeping the values loaded before',
        problems: [expect.stringMatching(new RegExp(`^bundle ${url}: tampered or corrupt`))],
      });
      expect(lines.join('')).not.toContain('Secret-0x');
    } finally {
      secrets!.stop();
    }
  });

  it('re-reads the bundles every SECRETS_REFRESH_SECONDS', async () => {
    const url = `s3://${BUCKET}/prod/timed.bundle`;
    await writeBundle(url, { DATABASE_URL: DB_URL }, { app: 'api', environment: 'prod' }, [newKey], s3.endpoint);
    const { config, secrets } = await loadAppConfig(['DATABASE_URL'], { app: 'api', env: appEnv(url, [newKey], { SECRETS_REFRESH_SECONDS: '1' }) });
    secrets!.startRefreshing(config, pino({ level: 'silent' }));
    try {
      await writeBundle(url, { DATABASE_URL: DB_URL.replace('Bundle-Secret-0x5a17', 'Timed-Secret-0x1') }, { app: 'api', environment: 'prod' }, [newKey], s3.endpoint);
      await eventually('the timer to pick up the new password', async () => config.credentials.password('DATABASE_URL') === 'Timed-Secret-0x1', 30_000, 100);
    } finally {
      secrets!.stop();
    }
  });

  it('rejects a bundle with more encrypted data keys than allowed before using any', async () => {
    // A bundle encrypted for four keys at once, by an encrypting client without our limit.
    const { buildClient, CommitmentPolicy, MultiKeyringNode } = await import('@aws-crypto/client-node');
    const { keyringsFor } = await import('@orderflow/secrets/keyrings');
    const { BundleStore, parseLocation } = await import('@orderflow/secrets/bundle-store');
    const { encrypt } = buildClient({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys: 10 });
    const keys = [newKey, makeKeyFile(dir, 'k2'), makeKeyFile(dir, 'k3'), makeKeyFile(dir, 'k4')];
    const [generator, ...children] = keys.map((file) => keyringsFor({ keyFiles: [file], kmsKeyIds: [] }).encrypt);
    const url = `s3://${BUCKET}/prod/many.bundle`;
    const store = new BundleStore({ region: 'us-east-1', s3Endpoint: s3.endpoint });
    const encryptionContext = { app: 'api', environment: 'prod', bundle: 'many' };
    const { result } = await encrypt(new MultiKeyringNode({ generator, children }), Buffer.from(`DATABASE_URL=${DB_URL}\n`), { encryptionContext });
    await store.write(parseLocation(url), result);
    store.destroy();
    const [problem] = await problemsOf(appEnv(url, [newKey]));
    expect(problem).toMatch(new RegExp(`^bundle ${url}: refused: more than 3 encrypted data keys`));
  });
});
