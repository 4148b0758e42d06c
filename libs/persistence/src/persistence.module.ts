import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { AppConfig } from '@orderflow/config/app-config';
import { connectPrimary, PrimaryDataSource } from './primary-connection';

export const PRIMARY_DB = Symbol('PRIMARY_DB');

/** Gives a database that is up a moment to connect, so that a normal start is ready at once. */
async function openPrimary(config: AppConfig): Promise<PrimaryDataSource> {
  const db = connectPrimary(config, `orderflow-${config.appName}`);
  await Promise.race([db.connected, new Promise((resolve) => setTimeout(resolve, 5000))]);
  return db;
}

/** The primary database (TypeORM data source) of an app, closed on shutdown. */
@Module({ providers: [{ provide: PRIMARY_DB, inject: [APP_CONFIG], useFactory: openPrimary }], exports: [PRIMARY_DB] })
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(PRIMARY_DB) private readonly db: PrimaryDataSource) {}

  async onApplicationShutdown(): Promise<void> {
    this.db.stopConnecting();
    if (this.db.isInitialized) await this.db.destroy().catch(() => undefined);
  }
}
