import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { metricsRegistry } from '@orderflow/observability/metrics';
import { Public } from './auth';

/** Prometheus scrape endpoint. Unauthenticated like health: keep it on a private network. */
@Public()
@Controller('metrics')
export class MetricsController {
  @Get()
  async metrics(@Res() reply: FastifyReply) {
    void reply.header('content-type', metricsRegistry.contentType).send(await metricsRegistry.metrics());
  }
}
