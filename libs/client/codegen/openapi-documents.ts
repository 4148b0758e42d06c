import { openApiDocument } from '@orderflow/contracts/openapi';
import { reportingOpenApiDocument } from '@orderflow/reporting/reporting-openapi';

/**
 * The OpenAPI documents the client is generated from: committed under docs/contracts/ (written by
 * `npm run contracts` from their source), each with the TypeScript file openapi-typescript makes of it.
 */
export const OPENAPI_DOCUMENTS = [
  { document: openApiDocument, file: 'docs/contracts/openapi.json', types: 'libs/client/src/generated/api-schema.ts' },
  { document: reportingOpenApiDocument, file: 'docs/contracts/reporting-openapi.json', types: 'libs/client/src/generated/reporting-schema.ts' },
] as const;

export const OPENAPI_TYPESCRIPT_BIN = 'node_modules/.bin/openapi-typescript';

/** The arguments of one generation: document in, TypeScript out. */
export function openapiTypescriptArgs(documentFile: string, outputFile: string): string[] {
  return [documentFile, '--output', outputFile];
}
