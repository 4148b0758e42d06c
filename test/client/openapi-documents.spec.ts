import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OPENAPI_DOCUMENTS, OPENAPI_TYPESCRIPT_BIN, openapiTypescriptArgs } from '../../libs/client/codegen/openapi-documents';
import { createApiApp } from '../../apps/api/src/api-app';
import { createReportingApp } from '../../apps/reporting/src/reporting-app';
import { lintOpenApi } from '../support/openapi-lint';
import { startTestStack, TestStack } from '../support/test-stack';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

/**
 * The OpenAPI documents as the apps serve them: they pass both linters, they are the committed
 * ones, and the client's types are what openapi-typescript makes of those.
 */
describe('OpenAPI documents', () => {
  let stack: TestStack;
  let api: NestFastifyApplication;
  let reporting: NestFastifyApplication;
  const apiRoutes: string[] = [];
  const reportingRoutes: string[] = [];
  const served: Record<string, unknown> = {};
  const docsPages: Record<string, number> = {};

  beforeAll(async () => {
    stack = await startTestStack();
    api = await createApiApp(stack.config());
    reporting = await createReportingApp(stack.config());
    const apiUrl = await listenRecordingRoutes(api, apiRoutes);
    const reportingUrl = await listenRecordingRoutes(reporting, reportingRoutes);
    served['docs/contracts/openapi.json'] = await (await fetch(`${apiUrl}/openapi.json`)).json();
    served['docs/contracts/reporting-openapi.json'] = await (await fetch(`${reportingUrl}/openapi.json`)).json();
    docsPages.api = (await fetch(`${apiUrl}/docs`)).status;
    docsPages.reporting = (await fetch(`${reportingUrl}/docs`)).status;
  });

  it('serves a browsable page of each document at /docs', () => {
    expect(docsPages).toEqual({ api: 200, reporting: 200 });
  });

  afterAll(async () => {
    await api?.close();
    await reporting?.close();
    await stack?.stop();
  });

  it.each(OPENAPI_DOCUMENTS.map((d) => d.file))('%s as served passes Redocly (recommended) and Spectral (spectral:oas) without errors', async (file) => {
    const findings = await lintOpenApi(served[file], file.replace(/\W+/g, '-'));
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    // The only warnings left: health and metrics have no 4xx answer, so none is declared.
    expect(findings.filter((f) => f.severity === 'warning').map((f) => `${f.linter} ${f.rule} ${f.where}`)).toEqual([
      'redocly operation-4xx-response #/paths/~1health~1live/get/responses',
      'redocly operation-4xx-response #/paths/~1health~1ready/get/responses',
      'redocly operation-4xx-response #/paths/~1metrics/get/responses',
    ]);
  });

  it.each(OPENAPI_DOCUMENTS.map((d) => d.file))('%s is the document the app serves (run `npm run contracts` after changing it)', (file) => {
    expect(JSON.parse(readFileSync(join(ROOT, file), 'utf8'))).toEqual(served[file]);
  });

  it.each(OPENAPI_DOCUMENTS.map((d) => [d.file, d.types]))('the client types generated from %s are up to date (%s)', async (file, types) => {
    const fresh = join(mkdtempSync(join(tmpdir(), 'orderflow-types-')), 'schema.ts');
    await run(join(ROOT, OPENAPI_TYPESCRIPT_BIN), openapiTypescriptArgs(join(ROOT, file), fresh), { cwd: ROOT });
    expect(readFileSync(join(ROOT, types), 'utf8')).toEqual(readFileSync(fresh, 'utf8'));
  });

  it('describes every route the apps answer, each with an operationId, a tag, a summary and a security requirement', () => {
    for (const [file, answered] of [
      ['docs/contracts/openapi.json', apiRoutes],
      ['docs/contracts/reporting-openapi.json', reportingRoutes],
    ] as const) {
      const document = served[file] as { paths: Record<string, Record<string, object>> };
      const declared = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
      expect(answered.filter((route) => !declared.includes(route))).toEqual([]);
      expect(declared.filter((route) => !answered.includes(route))).toEqual([]);
      const operations = Object.values(document.paths).flatMap((item) => Object.values(item)) as Array<Record<string, unknown>>;
      const incomplete = operations.filter(
        (op) => typeof op.operationId !== 'string' || !Array.isArray(op.tags) || op.tags.length !== 1 || typeof op.summary !== 'string' || !Array.isArray(op.security),
      );
      expect(incomplete).toEqual([]);
    }
  });
});

/** Starts an app, recording "METHOD /path/{param}" of every route it registers but the document's own (/docs, /openapi.json). */
async function listenRecordingRoutes(app: NestFastifyApplication, routes: string[]): Promise<string> {
  app.getHttpAdapter().getInstance().addHook('onRoute', (route: { method: string | string[]; url: string }) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD' && !/^\/(docs|openapi\.json)/.test(route.url)) routes.push(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    }
  });
  await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
}
