import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PersistenceModule, PRIMARY_DB } from '@orderflow/persistence/persistence.module';
import { ApiKeyVerifier } from './api-key-verifier';

/** API keys checked against the primary database (the reporting app builds its own on the replica). */
@Module({
  imports: [PersistenceModule],
  providers: [{ provide: ApiKeyVerifier, inject: [PRIMARY_DB], useFactory: (db: DataSource) => new ApiKeyVerifier(db) }],
  exports: [ApiKeyVerifier],
})
export class AuthModule {}
