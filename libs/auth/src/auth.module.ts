import { DynamicModule, Module, Type } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PersistenceModule, PRIMARY_DB } from '@orderflow/persistence/persistence.module';
import { ApiKeyVerifier } from './api-key-verifier';

/** API keys, checked against the database an app reads: the primary, or reporting's replica. */
@Module({})
export class AuthModule {
  static forPrimary(): DynamicModule {
    return AuthModule.forDatabase(PRIMARY_DB, PersistenceModule);
  }

  /** `database`: the token of a DataSource that `databaseModule` exports. */
  static forDatabase(database: symbol, databaseModule: Type<unknown>): DynamicModule {
    return {
      module: AuthModule,
      imports: [databaseModule],
      providers: [{ provide: ApiKeyVerifier, inject: [database], useFactory: (db: DataSource) => new ApiKeyVerifier(db) }],
      exports: [ApiKeyVerifier],
    };
  }
}
