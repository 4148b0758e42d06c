import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeyVerifier, Principal } from '@orderflow/auth/api-key-verifier';
import { Scope } from '@orderflow/auth/api-key';
import { problems } from './problem';

const SCOPE_KEY = 'orderflow:scope';
const PUBLIC_KEY = 'orderflow:public';

/** The scope a route needs. Every route needs one unless marked @Public(). */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);
export const Public = () => SetMetadata(PUBLIC_KEY, true);

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Who acts, for the audit log: the name of the request's API key. */
export function actorOf(request: FastifyRequest): string {
  return request.principal?.name ?? 'anonymous';
}

/** Bearer API key authentication: 401 without a valid key, 403 without the route's scope. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: ApiKeyVerifier,
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
    return true;
  }
}
