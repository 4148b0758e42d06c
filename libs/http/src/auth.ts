import { CanActivate, ExecutionContext, Inject, Injectable, Optional, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeyVerifier, Principal } from '@orderflow/auth/api-key-verifier';
import { Scope } from '@orderflow/auth/api-key';
import { ApiKeyRateLimiter } from '@orderflow/auth/rate-limiter';
import { rateLimitedRequests } from '@orderflow/observability/metrics';
import { problems } from './problem';

const SCOPE_KEY = 'orderflow:scope';
const PUBLIC_KEY = 'orderflow:public';

/** The scope a route needs. Every route needs one unless marked @Public(). */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Apps that limit request rates per key provide an ApiKeyRateLimiter under this token. */
export const RATE_LIMITER = Symbol('RATE_LIMITER');

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Who acts, for the audit log: the name of the request's API key. */
export function actorOf(request: FastifyRequest): string {
  return request.principal?.name ?? 'anonymous';
}

/**
 * Bearer API key authentication: 401 without a valid key, 403 without the route's scope, 429
 * when the key has used up its rate (apps with a RATE_LIMITER).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: ApiKeyVerifier,
    @Optional() @Inject(RATE_LIMITER) private readonly rateLimiter?: ApiKeyRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw problems.unauthorized();
    const principal = await this.verifier.verify(match[1]);
    if (!principal) throw problems.unauthorized();
    request.principal = principal;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(SCOPE_KEY, targets);
    // A route that forgot to declare its scope is closed, not open.
    if (!scope || !principal.scopes.has(scope)) throw problems.forbidden(scope ?? 'undeclared');
    if (this.rateLimiter) {
      const decision = await this.rateLimiter.take(principal.keyId, this.rateLimiter.limitOf(principal));
      if (!decision.allowed) {
        rateLimitedRequests.inc({ key: principal.name });
        throw problems.tooManyRequests(decision.retryAfterSeconds);
      }
    }
    return true;
  }
}
