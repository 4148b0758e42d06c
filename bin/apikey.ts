import { parseArgs } from 'node:util';
import { loadProgramConfig } from '@orderflow/secrets/app-secrets';
import { createApiKey } from '@orderflow/auth/api-key-admin';
import { SCOPES } from '@orderflow/auth/api-key';
import { createDataSource } from '@orderflow/persistence/data-source';
import { ApiKeysRepository } from '@orderflow/persistence/api-keys.repository';
import { runCli } from './run-cli';

const USAGE = `usage:
  npm run apikey -- create --name NAME --scopes ${SCOPES.join(',')}
  npm run apikey -- list
  npm run apikey -- revoke KEY_ID`;

/** `npm run apikey`: manage API keys. `create` prints the new key as the last line of its output. */
void runCli(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string' }, scopes: { type: 'string' } },
  });
  const [command, argument] = positionals;
  if (!['create', 'list', 'revoke'].includes(command)) throw new Error(USAGE);
  const config = await loadProgramConfig(['DATABASE_URL']);
  const db = await createDataSource({ url: config.databaseUrl, poolSize: 1, applicationName: 'orderflow-apikey', connection: config.database }).initialize();
  try {
    if (command === 'create') {
      if (!values.name || !values.scopes) throw new Error(USAGE);
      const { id, key } = await createApiKey(db, values.name, values.scopes.split(',').map((s) => s.trim()));
      console.log(`created API key ${id} "${values.name}" with scopes ${values.scopes}; store it now, it is not shown again:`);
      console.log(key);
    } else if (command === 'list') {
      for (const key of await new ApiKeysRepository().list(db.manager)) {
        console.log(`${key.id}  ${key.name}  ${key.scopes.join(',')}  created ${key.createdAt}${key.revokedAt ? `  revoked ${key.revokedAt}` : ''}`);
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
