import type { DatabaseConnectionConfig } from '@orderflow/config/app-config';
import { createDataSource } from './data-source';

/** Applies pending migrations (each in its own transaction) and returns their names. */
export async function runMigrations(databaseUrl: string, connection?: DatabaseConnectionConfig): Promise<string[]> {
  const dataSource = await createDataSource({ url: databaseUrl, poolSize: 1, applicationName: 'orderflow-migrate', connection }).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
