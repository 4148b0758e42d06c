import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readSecretsSettings } from '@orderflow/config/secrets-settings';
import { BundleStore, bundleNameOf, parseLocation } from '@orderflow/secrets/bundle-store';
import { formatDotenv, parseDotenv } from '@orderflow/secrets/dotenv';
import { openBundle, sealBundle } from '@orderflow/secrets/envelope';
import { keyringsFor } from '@orderflow/secrets/keyrings';
import { generateLocalKey } from '@orderflow/secrets/local-key';
import { runCli } from './run-cli';

const APPS = ['api', 'worker', 'reporting', 'router', 'all'];

const USAGE = `usage:
  npm run secrets -- keygen --out FILE [--force]
      a new local AES-256 key (mode 0600); use it as SECRETS_KEY_FILE
  npm run secrets -- encrypt --in FILE|- --out s3://BUCKET/KEY|PATH --app api|worker|reporting|all --env ENV
      encrypts NAME=value lines (from a file or stdin) into a bundle under the current key
  npm run secrets -- decrypt --in s3://BUCKET/KEY|PATH [--app APP] [--env ENV] [--reveal]
      shows the bundle's context and variable names (values only with --reveal)
  npm run secrets -- rotate --in s3://BUCKET/KEY|PATH
      re-encrypts the bundle under the current key (it may be under any configured key)
The key: SECRETS_KMS_KEY_ID (AWS KMS key ARNs) or SECRETS_KEY_FILE (local key files), current first.`;

function required(value: string | undefined, option: string): string {
  if (!value) throw new Error(`${option} is required\n${USAGE}`);
  return value;
}

/** `npm run secrets`: make keys, and encrypt, inspect and re-encrypt secret bundles. */
void runCli(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      app: { type: 'string' },
      env: { type: 'string' },
      reveal: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
    },
  });
  const command = positionals[0];
  if (command === 'keygen') {
    const out = required(values.out, '--out');
    // 'wx': never overwrite a key by accident, bundles made with it would become unreadable.
    writeFileSync(out, generateLocalKey(), { mode: 0o600, flag: values.force ? 'w' : 'wx' });
    console.log(`wrote a new key to ${out}; keep it out of version control`);
    return;
  }
  if (!['encrypt', 'decrypt', 'rotate'].includes(command)) throw new Error(USAGE);
  const settings = readSecretsSettings(process.env, true);
  const keyrings = keyringsFor(settings);
  const store = new BundleStore(settings);
  try {
    if (command === 'encrypt') {
      const input = required(values.in, '--in');
      const app = required(values.app, '--app');
      const environment = required(values.env, '--env');
      if (!APPS.includes(app)) throw new Error(`--app must be one of ${APPS.join(', ')}`);
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(environment)) throw new Error('--env: lower-case letters, digits and dashes');
      const location = parseLocation(required(values.out, '--out'));
      const text = readFileSync(input === '-' ? 0 : input, 'utf8');
      const variables = parseDotenv(text);
      const bundle = bundleNameOf(location);
      await store.write(location, await sealBundle(keyrings.encrypt, Buffer.from(text, 'utf8'), { app, environment, bundle }));
      console.log(`encrypted ${variables.size} variable(s) (${[...variables.keys()].join(', ')}) for app=${app} environment=${environment} bundle=${bundle} under key ${keyrings.current} to ${location.url}`);
      return;
    }
    const location = parseLocation(required(values.in, '--in'));
    const expected = { apps: values.app ? [values.app, 'all'] : undefined, environment: values.env, bundle: bundleNameOf(location) };
    const { plaintext, context } = await openBundle(keyrings.decrypt, await store.read(location), expected);
    if (command === 'rotate') {
      await store.write(location, await sealBundle(keyrings.encrypt, plaintext, context));
      plaintext.fill(0);
      console.log(`re-encrypted ${location.url} (app=${context.app} environment=${context.environment} bundle=${context.bundle}) under key ${keyrings.current}`);
      return;
    }
    const variables = parseDotenv(plaintext.toString('utf8'));
    plaintext.fill(0);
    console.log(`${location.url}: app=${context.app} environment=${context.environment} bundle=${context.bundle}`);
    if (values.reveal) process.stdout.write(formatDotenv(variables));
    else for (const name of variables.keys()) console.log(`  ${name}`);
  } finally {
    store.destroy();
  }
});
