import pino, { Logger } from 'pino';

/** Paths never written to logs: credentials and API keys in headers, URLs and bodies. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'apiKey',
  'password',
  '*.password',
  'databaseUrl',
  'redisUrl',
];

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { ...base, pid: process.pid }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
