import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_FILES } from '@orderflow/contracts/contract-files';
import { OPENAPI_DOCUMENTS, OPENAPI_TYPESCRIPT_BIN, openapiTypescriptArgs } from '../libs/client/codegen/openapi-documents';
import { runCli } from './run-cli';

/**
 * `npm run contracts`: writes the committed JSON Schemas and OpenAPI documents under docs/contracts
 * from their source, then regenerates the client's types from those documents (openapi-typescript).
 */
void runCli(async () => {
  for (const [file, schema] of Object.entries(CONTRACT_FILES)) {
    writeFileSync(join('docs/contracts', file), `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote docs/contracts/${file}`);
  }
  for (const { document, file, types } of OPENAPI_DOCUMENTS) {
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    execFileSync(OPENAPI_TYPESCRIPT_BIN, openapiTypescriptArgs(file, types), { stdio: 'inherit' });
    console.log(`wrote ${file} and ${types}`);
  }
});
