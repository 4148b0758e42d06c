import { requiredSetting } from '@orderflow/config/app-config';
import { parseArgs } from 'node:util';
import { loadProgramConfig } from '@orderflow/secrets/app-secrets';
import { createApiKey } from '@orderflow/auth/api-key-admin';
import { SCOPES } from '@orderflow/auth/api-key';
import { createDataSource } from '@orderflow/persistence/data-source';
import { ApiKeysRepository } from '@orderflow/persistence/api-keys.repository';
import { runCli } from './run-cli';

const USAGE = `usage:
  npm run apikey -- create --name NAME --scopes ${SCOPES.join(',')} [--rate PER_SECOND [--burst N]]
  npm run apikey -- list
  npm run apikey -- revoke KEY_ID`;

/** `npm run apikey`: manage API keys. `create` prints the new key as the last line of its output. */
void runCli(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, scopes: { type: 'string' }, rate: { type: 'string' }, burst: { type: 'string' } },
  });
  const [command, argument] = positionals;
  if (!['create', 'list', 'revoke'].includes(command)) throw new Error(USAGE);
  const config = await loadProgramConfig(['DATABASE_URL']);
  const db = await createDataSource({ url: requiredSetting(config.databaseUrl, 'DATABASE_URL'), poolSize: 1, applicationName: 'orderflow-apikey', connection: config.database }).initialize();
  try {
    if (command === 'create') {
      if (!values.name || !values.scopes) throw new Error(USAGE);
      if (values.burst !== undefined && values.rate === undefined) throw new Error(`--burst needs --rate\n${USAGE}`);
      // Without --rate the key gets the API's default (API_RATE_LIMIT_PER_SECOND / _BURST).
      const rateLimit =
        values.rate === undefined ? undefined : { ratePerSecond: Number(values.rate), burst: Number(values.burst ?? Number(values.rate) * 2) };
      const { id, key } = await createApiKey(db, values.name, values.scopes.split(',').map((s) => s.trim()), rateLimit);
      const limit = rateLimit ? `${rateLimit.ratePerSecond}/s, burst ${rateLimit.burst}` : 'the default rate limit';
      console.log(`created API key ${id} "${values.name}" with scopes ${values.scopes} and ${limit}; store it now, it is not shown again:`);
      console.log(key);
    } else if (command === 'list') {
      for (const key of await new ApiKeysRepository().list(db.manager)) {
        const limit = key.ratePerSecond === null ? 'default rate' : `${key.ratePerSecond}/s burst ${key.burst}`;
        console.log(`${key.id}  ${key.name}  ${key.scopes.join(',')}  ${limit}  created ${key.createdAt}${key.revokedAt ? `  revoked ${key.revokedAt}` : ''}`);
      }
    } else {
      if (!argument) throw new Error(USAGE);
      const revoked = await new ApiKeysRepository().revoke(db.manager, argument);
      console.log(revoked ? `revoked ${argument}` : `no active key ${argument}`);
      if (!revoked) process.exitCode = 1;
    }
  } finally {
    await db.destroy();
  }
});
