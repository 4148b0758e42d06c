import { requiredSetting } from '@orderflow/config/app-config';
import { loadProgramConfig } from '@orderflow/secrets/app-secrets';
import { runMigrations } from '@orderflow/persistence/migrate';
import { runCli } from './run-cli';

/** `npm run migrate`: applies pending migrations to DATABASE_URL. */
void runCli(async () => {
  const config = await loadProgramConfig(['DATABASE_URL']);
  const applied = await runMigrations(requiredSetting(config.databaseUrl, 'DATABASE_URL'), config.database);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
});
