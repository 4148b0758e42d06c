import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TestStack } from './test-stack';

const SCRIPT = join(resolve(__dirname, '../..'), 'dist/bin/release.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `npm run release` against the stack, as an operator would; never throws on a failed command. */
export function runReleaseCli(stack: TestStack, args: string[]): Promise<CliResult> {
  if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run \`npm run build\` first`);
  return new Promise((done) => {
    execFile(
      process.execPath,
      [SCRIPT, ...args],
      { env: { PATH: process.env.PATH, DATABASE_URL: stack.env.DATABASE_URL, REDIS_URL: stack.env.REDIS_URL, LOG_LEVEL: 'warn' } },
      (error, stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
