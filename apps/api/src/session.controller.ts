import { Controller, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '@orderflow/config/app-config';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { RequireScope } from '@orderflow/http/auth';
import { problems } from '@orderflow/http/problem';
import { ReleaseService } from '@orderflow/release/release.service';
import { ROUTE_COOKIE, signRouteToken } from '@orderflow/release/route-token';
import { validId } from './request-params';

/**
 * The login system's hand-off (docs/releases.md): the versions a customer is routed to, signed
 * into a route token that the router verifies; sent as a cookie for browsers and in the body for
 * storefronts that pass it on in the Orderflow-Route header.
 */
@Controller('v1/customers')
export class SessionController {
  constructor(
    private readonly releases: ReleaseService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post(':customerId/session')
  @RequireScope('orders:write')
  @HttpCode(200)
  async create(@Param('customerId') customerId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    validId('customerId', customerId);
    const { routeTokenKeys: keys, routeTokenTtlSeconds: ttl } = this.config.release;
    if (keys.length === 0) throw problems.unavailable('Route tokens are not configured on this instance (ROUTE_TOKEN_KEYS)', 60);
    const versions = await this.releases.sessionVersions(customerId);
    const expiresAt = Math.floor(Date.now() / 1000) + ttl;
    const route = signRouteToken(keys, customerId, versions, expiresAt);
    void reply
      .header('set-cookie', `${ROUTE_COOKIE}=${route}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ttl}`)
      .header('cache-control', 'no-store');
    return { customerId, versions, route, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }
}
