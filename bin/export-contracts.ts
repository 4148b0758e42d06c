import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_FILES } from '@orderflow/contracts/contract-files';
import { runCli } from './run-cli';

/** `npm run contracts`: writes the committed JSON Schemas under docs/contracts from their source. */
void runCli(async () => {
  for (const [file, schema] of Object.entries(CONTRACT_FILES)) {
    writeFileSync(join('docs/contracts', file), `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote docs/contracts/${file}`);
  }
});
