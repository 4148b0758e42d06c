import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { scrubSecrets } from './secret-scrubber';

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
  'databaseReplicaUrl',
  'redisUrl',
  '*.databaseUrl',
  '*.databaseReplicaUrl',
  '*.redisUrl',
  'env',
  '*.env',
];

/** Serialised lines lose every value loaded from a secret bundle (see secret-scrubber). */
export const SCRUB_HOOKS: LoggerOptions['hooks'] = { streamWrite: scrubSecrets };

export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  return pino({ level, base: { ...base, pid: process.pid }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, hooks: SCRUB_HOOKS }, destination);
}
