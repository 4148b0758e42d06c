import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { validatePin, validateReleaseAction, validateStartRelease } from '@orderflow/contracts/release-requests';
import { RequireScope, actorOf } from '@orderflow/http/auth';
import { problems } from '@orderflow/http/problem';
import { InstanceRegistry } from '@orderflow/release/instance-registry';
import { ReleaseService } from '@orderflow/release/release.service';
import { validId } from './request-params';

/** Release control for operators (docs/releases.md): the same actions as `npm run release`. */
@Controller('v1/admin/releases')
export class ReleasesController {
  constructor(
    private readonly releases: ReleaseService,
    private readonly registry: InstanceRegistry,
  ) {}

  @Get()
  @RequireScope('admin')
  status() {
    return this.releases.status();
  }

  @Post()
  @RequireScope('admin')
  async start(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const validation = validateStartRelease(body);
    if (!validation.ok) throw problems.validation(validation.errors);
    const release = await this.releases.start(validation.value, actorOf(reply.request));
    void reply.status(201);
    return release;
  }

  @Post('promote')
  @RequireScope('admin')
  @HttpCode(200)
  async promote(@Body() body: unknown, @Req() request: FastifyRequest) {
    const { service } = actionOf(body);
    return this.releases.promote(service, actorOf(request));
  }

  @Post('abort')
  @RequireScope('admin')
  @HttpCode(200)
  async abort(@Body() body: unknown, @Req() request: FastifyRequest) {
    const { service, reason } = actionOf(body);
    return this.releases.abortRunning(service, reason ?? 'aborted by an operator', actorOf(request));
  }

  @Put('pins/:customerId/:service')
  @RequireScope('admin')
  async pin(@Param('customerId') customerId: string, @Param('service') service: string, @Body() body: unknown, @Req() request: FastifyRequest) {
    validId('customerId', customerId);
    const validation = validatePin(body);
    if (!validation.ok) throw problems.validation(validation.errors);
    return this.releases.pin(customerId, service, validation.value.version, actorOf(request));
  }

  @Delete('pins/:customerId')
  @RequireScope('admin')
  async unpinAll(@Param('customerId') customerId: string, @Req() request: FastifyRequest) {
    return { customerId, removed: await this.releases.unpin(validId('customerId', customerId), undefined, actorOf(request)) };
  }

  @Delete('pins/:customerId/:service')
  @RequireScope('admin')
  async unpin(@Param('customerId') customerId: string, @Param('service') service: string, @Req() request: FastifyRequest) {
    return { customerId, removed: await this.releases.unpin(validId('customerId', customerId), service, actorOf(request)) };
  }

  @Get('instances')
  @RequireScope('admin')
  async instances() {
    return { instances: await this.registry.list() };
  }
}

/** Promote and abort take an optional body. */
function actionOf(body: unknown): { service?: string; reason?: string } {
  if (body === undefined || body === null) return {};
  const validation = validateReleaseAction(body);
  if (!validation.ok) throw problems.validation(validation.errors);
  return validation.value;
}
