import { randomUUID } from 'node:crypto';
import { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, PARAMS_PROVIDER_TOKEN, Params as PinoParams } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { AppConfig } from '@orderflow/config/app-config';
import { httpRequestDuration, metricsRegistry } from '@orderflow/observability/metrics';
import { createLogger } from '@orderflow/observability/logger';
import { ProblemDetailsFilter } from './problem-details.filter';
import { BODY_LIMIT_BYTES } from './limits';
import { logRequests } from './request-log';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reuses a sane incoming X-Request-Id so that a request can be followed across systems. */
function requestId(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  (req as IncomingMessage & { id?: string }).id = id;
  return id;
}

/**
 * nestjs-pino settings shared by every app: Nest's logger writes JSON through pino, secrets
 * redacted; logs go to stdout unless `destination` is given (tests read the log from it). Stdout
 * is written asynchronously: lines logged while a write is under way go out together in the next
 * one, instead of one blocking write(2) per request (pino flushes what is left at exit). No
 * middleware (`forRoutes: []`): createHttpApp writes the access log from a Fastify hook with the
 * same logger (see request-log.ts for why).
 */
export function loggerParams(config: AppConfig, app: string, destination?: DestinationStream): PinoParams {
  const logger = createLogger(config.logLevel, { app }, destination ?? pino.destination({ dest: 1, sync: false }));
  return { pinoHttp: { logger }, forRoutes: [] };
}

/** The pino logger that loggerParams gave the app's LoggerModule. */
function appLogger(app: NestFastifyApplication): PinoLogger {
  const { pinoHttp } = app.get<PinoParams>(PARAMS_PROVIDER_TOKEN);
  if (!pinoHttp || !('logger' in pinoHttp)) throw new Error('LoggerModule.forRoot was not given loggerParams()');
  return pinoHttp.logger as PinoLogger;
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
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, genReqId: requestId, return503OnClosing: true, skipMiddie: true });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemDetailsFilter(isTransient));
  const fastify = app.getHttpAdapter().getInstance();
  logRequests(fastify, appLogger(app));
  // JSON only: any other body type is answered 415 instead of reaching validation as a string.
  fastify.removeContentTypeParser('text/plain');
  // Hooks with a callback, not async: no promise per hook and request on the hot path.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id).header('orderflow-version', config.version);
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    // Fastify's own timing of the request (ms since it arrived), the same the access log reports.
    httpRequestDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  return app;
}
