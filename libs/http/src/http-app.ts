import { randomUUID } from 'node:crypto';
import { DynamicModule, RequestMethod, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, Params as PinoParams } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import pino, { type DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { AppConfig } from '@orderflow/config/app-config';
import { httpRequestDuration, metricsRegistry } from '@orderflow/observability/metrics';
import { REDACTED_PATHS, SCRUB_HOOKS } from '@orderflow/observability/logger';
import { ProblemDetailsFilter } from './problem-details.filter';
import { BODY_LIMIT_BYTES } from './limits';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a sane incoming X-Request-Id so that a request can be followed across systems. */
function requestId(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  (req as IncomingMessage & { id?: string }).id = id;
  return id;
}

/**
 * Health probes and scrapes would drown the log. The logger runs as middleware through
 * @fastify/middie, which strips the matched route from `req.url` (it is `/` or `/?query` there),
 * so the path is read from `originalUrl`, which middie keeps intact.
 */
export function isProbeRequest(req: IncomingMessage & { originalUrl?: string }): boolean {
  return /^\/(health|metrics)(?:[/?]|$)/.test(req.originalUrl ?? req.url ?? '');
}

/**
 * nestjs-pino settings shared by every app: JSON logs, request id, secrets redacted. Logs go to
 * stdout unless `destination` is given (tests read the log from it). Stdout is written
 * asynchronously: lines logged while a write is under way go out together in the next one, instead
 * of one blocking write(2) per request (pino flushes what is left when the process exits).
 */
export function loggerParams(config: AppConfig, app: string, destination?: DestinationStream): PinoParams {
  const options: PinoHttpOptions = {
    level: config.logLevel,
    base: { app, pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    hooks: SCRUB_HOOKS,
    genReqId: (req) => (req as IncomingMessage & { id?: string }).id ?? randomUUID(),
    autoLogging: { ignore: isProbeRequest },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
    },
  };
  return {
    pinoHttp: [options, destination ?? pino.destination({ dest: 1, sync: false })],
    forRoutes: [{ path: '*splat', method: RequestMethod.ALL }],
  };
}

/**
 * Creates a Nest app on Fastify with the project's HTTP conventions (problem+json for every
 * error); the caller adds routes and listens. Every response names the version that answered it (Orderflow-Version) and every metric
 * carries it as a label, so that two versions running side by side can be told apart.
 */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  config: Pick<AppConfig, 'version'>,
  /** Errors answered 503 with Retry-After (a dependency down or busy); the app knows which. */
  isTransient?: (error: unknown) => boolean,
): Promise<NestFastifyApplication> {
  metricsRegistry.setDefaultLabels({ version: config.version });
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, genReqId: requestId, return503OnClosing: true });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemDetailsFilter(isTransient));
  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: any other body type is answered 415 instead of reaching validation as a string.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', async (request) => {
    (request as unknown as { startedAt: bigint }).startedAt = process.hrtime.bigint();
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id).header('orderflow-version', config.version);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const startedAt = (request as unknown as { startedAt?: bigint }).startedAt;
    if (startedAt === undefined) return;
    const route = request.routeOptions.url ?? 'unmatched';
    httpRequestDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      Number(process.hrtime.bigint() - startedAt) / 1e9,
    );
  });
  return app;
}
