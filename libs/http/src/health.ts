import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '@orderflow/config/app-config';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { HEALTH_CHECKS, HealthCheck } from '@orderflow/observability/health-check';
import { Public } from './auth';

const CHECK_TIMEOUT_MS = 2000;

/** Liveness (the process answers) and readiness (its dependencies answer). */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok', version: this.config.version };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply) {
    const results = await Promise.all(this.checks.map((check) => runCheck(check)));
    const ok = results.every((result) => result.status === 'up');
    const body = { status: ok ? 'ok' : 'unavailable', checks: Object.fromEntries(results.map((r) => [r.name, r])) };
    void reply.status(ok ? 200 : 503).send(body);
  }
}

async function runCheck(check: HealthCheck): Promise<{ name: string; status: 'up' | 'down'; [key: string]: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    const details = await Promise.race([check.check(), timeout]);
    return { name: check.name, status: 'up', ...(details ?? {}) };
  } catch (error) {
    return { name: check.name, status: 'down', error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
