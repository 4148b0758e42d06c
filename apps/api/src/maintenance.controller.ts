import { Body, Controller, Get, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RequireScope, actorOf } from '@orderflow/http/auth';
import { problems } from '@orderflow/http/problem';
import { MaintenanceSwitch } from '@orderflow/orders/maintenance-switch';
import { AuditLogService } from '@orderflow/release/audit-log.service';

/** Switches maintenance mode for every API instance (docs/operations.md). */
@Controller('v1/admin/maintenance')
export class MaintenanceController {
  constructor(
    private readonly maintenance: MaintenanceSwitch,
    private readonly audit: AuditLogService,
  ) {}

  @Get()
  @RequireScope('admin')
  status() {
    return this.maintenance.status();
  }

  @Put()
  @RequireScope('admin')
  async set(@Body() body: unknown, @Req() request: FastifyRequest) {
    const enabled = (body as { enabled?: unknown } | null)?.enabled;
    if (typeof enabled !== 'boolean') throw problems.validation([{ field: '/enabled', message: 'must be boolean' }]);
    const before = this.maintenance.status();
    await this.maintenance.set(enabled);
    const after = this.maintenance.status();
    await this.audit.recordDone({ actor: actorOf(request), action: 'maintenance.set', target: 'maintenance', before, after });
    return after;
  }
}
