import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig, requiredSetting } from '@orderflow/config/app-config';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { createDataSource } from '@orderflow/persistence/data-source';

export const REPLICA_DB = Symbol('REPLICA_DB');

/** Reporting's one database: the streaming replica (never the primary), closed on shutdown. */
@Module({
  providers: [
    {
      provide: REPLICA_DB,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) =>
        createDataSource({
          url: requiredSetting(c.databaseReplicaUrl, 'DATABASE_REPLICA_URL'),
          poolSize: c.databasePoolSize,
          applicationName: 'orderflow-reporting',
          password: () => c.credentials.password('DATABASE_REPLICA_URL'),
          connection: c.database,
        }).initialize(),
    },
  ],
  exports: [REPLICA_DB],
})
export class ReplicaDatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(REPLICA_DB) private readonly replica: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    await this.replica.destroy().catch(() => undefined);
  }
}
