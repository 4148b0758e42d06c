import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

/** @orderflow/client builds on its own, from its own tsconfig, into a package whose entry point loads. */
describe('the @orderflow/client package', () => {
  it('builds with its own tsconfig and exports the client and the producer', async () => {
    // Inside the package folder, so that the build's dist/ lands where its package.json points.
    const outDir = mkdtempSync(join(resolve(ROOT, 'libs/client'), '.build-test-'));
    try {
      await run(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'libs/client/tsconfig.json', '--outDir', outDir], { cwd: ROOT });
      await run(join(ROOT, 'node_modules/.bin/tsc-alias'), ['-p', 'libs/client/tsconfig.json', '--outDir', outDir], { cwd: ROOT });
      const manifest = JSON.parse(readFileSync(join(ROOT, 'libs/client/package.json'), 'utf8')) as { main: string; types: string };
      const entry = join(outDir, manifest.main.replace(/^dist\//, ''));
      expect(existsSync(join(outDir, manifest.types.replace(/^dist\//, '')))).toBe(true);
      const { stdout } = await run(process.execPath, ['-e', `console.log(Object.keys(require(${JSON.stringify(entry)})).sort().join(','))`]);
      expect(stdout.trim().split(',')).toEqual(expect.arrayContaining(['cancelOrder', 'createOrderflowClient', 'createReportingClient', 'OrderflowProblem', 'sendOrders']));
    } finally {
      await run('rm', ['-rf', outDir]);
    }
  });
});
