import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/** Health probes and scrapes would drown the log. */
function isProbeRequest(url: string): boolean {
  return /^\/(health|metrics)(?:[/?]|$)/.test(url);
}

/** The `req` field of both lines. */
function requestFields(request: FastifyRequest): { id: string; method: string; url: string } {
  return { id: request.id, method: request.method, url: request.url };
}

/**
 * One access-log line per request, in pino-http's shape: `request completed` once its response
 * is sent (`req` {id, method, url}, `res` {statusCode}, `responseTime` in ms), or `request
 * aborted` (a warning, `req` only) when the client closed the connection before it was answered.
 *
 * Written from a Fastify hook rather than by pino-http as Nest middleware: that ran through
 * @fastify/middie and bound every request's logger with `AsyncLocalStorage.run`, which on Node 20
 * turns on promise hooks for the whole process (8-10% of the API's CPU, docs/benchmarks.md). So
 * a line logged while a request is handled names its request id itself (`reqId`).
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!isProbeRequest(request.url)) {
      logger.info(
        {
          req: requestFields(request),
          res: { statusCode: reply.statusCode },
          responseTime: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    if (!isProbeRequest(request.url)) logger.warn({ req: requestFields(request) }, 'request aborted');
    done();
  });
}
