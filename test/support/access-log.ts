import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventuallyValue } from './eventually';

export interface AccessLogLine {
  rid: string;
  version: string;
  status: number;
  upstream: string;
  upstream_status: string;
  uri: string;
  method: string;
}

/** The router's JSON access log under `runtimeDir`, parsed. */
export function readAccessLog(runtimeDir: string): AccessLogLine[] {
  const file = join(runtimeDir, 'logs', 'access.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AccessLogLine);
}

/**
 * Waits for `count` lines whose request id starts with `ridPrefix` and returns them. nginx writes
 * a request's line in its log phase, after the response has left: a client can hold the answer
 * before the line exists.
 */
export function accessLogLines(runtimeDir: string, ridPrefix: string, count: number): Promise<AccessLogLine[]> {
  return eventuallyValue(
    `${count} access log lines for ${ridPrefix}*`,
    async () => readAccessLog(runtimeDir).filter((line) => line.rid.startsWith(ridPrefix)),
    (lines) => lines.length >= count,
    10_000,
    50,
  );
}
