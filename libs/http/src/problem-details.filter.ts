import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '@orderflow/domain/problem-error';
import { describedProblem, HttpProblem, problems } from './problem';
import { BODY_LIMIT_BYTES } from './limits';

/**
 * Maps every error to RFC 9457 problem+json, in one place: errors that carry their problem type
 * (ProblemError) as they describe themselves, framework errors by their code or status, and the
 * ones `isTransient` recognises (a dependency down or busy) as 503.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  constructor(private readonly isTransient: (error: unknown) => boolean = () => false) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = this.toProblem(error, request);
    if (problem.status >= 500) {
      this.logger.error({ err: error, reqId: request.id }, `request failed: ${problem.slug}`);
    }
    void reply
      .status(problem.status)
      .headers(problem.headers)
      .header('content-type', 'application/problem+json')
      .send(problem.body(request.url));
  }

  private toProblem(error: unknown, request: FastifyRequest): HttpProblem {
    if (error instanceof HttpProblem) return error;
    if (error instanceof ProblemError) return describedProblem(error.problem());
    const fastifyCode = (error as { code?: string }).code;
    switch (fastifyCode) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return problems.payloadTooLarge(BODY_LIMIT_BYTES);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return problems.unsupportedMediaType(`Send the body as application/json`);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return problems.malformedJson('The body is not valid JSON');
    }
    if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
      return problems.malformedJson(error.message);
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      if (status === 404) return problems.routeNotFound(`${request.method} ${request.url.split('?')[0]} is not a route`);
      if (status === 405) return problems.methodNotAllowed(error.message);
      if (status === 413) return problems.payloadTooLarge(BODY_LIMIT_BYTES);
      if (status === 415) return problems.unsupportedMediaType('Send the body as application/json');
      if (status === 400) return problems.malformedJson(error.message);
      return new HttpProblem(status, `http-${status}`, error.message);
    }
    if (this.isTransient(error)) return problems.unavailable('A dependency is temporarily unavailable; retry later', 2);
    return problems.internal();
  }
}
