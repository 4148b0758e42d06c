import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveSettings } from '../lib/settings';

const run = promisify(execFile);
const root = join(__dirname, '..');

/**
 * `npm run synth` as an operator runs it, with no AWS credentials, region or network access to
 * AWS: the stack must be environment-agnostic (no lookups) and cdk-nag must pass.
 */
test('cdk synth writes the template under infra/cdk.out without credentials or lookups', async () => {
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };
  const { stderr } = await run('npx', ['cdk', 'synth', '--quiet'], { cwd: root, env, maxBuffer: 16 * 1024 * 1024 });
  expect(stderr).not.toMatch(/AwsSolutions-|ERROR/);

  const out = join(root, 'cdk.out');
  const templatePath = join(out, 'Orderflow-prod.template.json');
  expect(statSync(templatePath).mtimeMs).toBeGreaterThanOrEqual(started - 1000);
  const template = JSON.parse(readFileSync(templatePath, 'utf8'));
  expect(Object.keys(template.Parameters)).toEqual(
    expect.arrayContaining(['ImageRepository', 'ImageTag', 'CandidateImageTag', 'CandidateApiTasks', 'CertificateArn', 'AlarmEmail']),
  );
  expect(Object.keys(template.Resources).length).toBeGreaterThan(150);
  // Nothing was looked up: no context was missing, and none was cached for later.
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  expect(manifest.missing).toBeUndefined();
  expect(manifest.artifacts['Orderflow-prod'].environment).toBe('aws://unknown-account/unknown-region');
  expect(existsSync(join(root, 'cdk.context.json'))).toBe(false);
}, 300_000);

describe('settings', () => {
  test('an environment name that cannot name resources is refused', () => {
    expect(() => resolveSettings('Prod_1', undefined)).toThrow(/orderflow:env must match/);
    expect(() => resolveSettings('staging', '{"dbReaders":0}')).toThrow(/dbReaders must be at least 1/);
    expect(() => resolveSettings('staging', '{"zones":1}')).toThrow(/zones must be 2 or 3/);
  });

  test('overrides merge over the defaults, given as JSON on the command line or as an object', () => {
    expect(resolveSettings('staging', '{"dbReaders":2,"natGatewayPerZone":false}')).toMatchObject({
      envName: 'staging',
      dbReaders: 2,
      natGatewayPerZone: false,
      zones: 2,
    });
    expect(resolveSettings(undefined, { cacheReplicas: 2 })).toMatchObject({ envName: 'prod', cacheReplicas: 2 });
  });
});
