import { Body, Controller, Get, Put } from '@nestjs/common';
import { RequireScope } from '@orderflow/http/auth';
import { problems } from '@orderflow/http/problem';
import { MaintenanceSwitch } from '@orderflow/orders/maintenance-switch';

/** Switches maintenance mode for every API instance (docs/operations.md). */
@Controller('v1/admin/maintenance')
export class MaintenanceController {
  constructor(private readonly maintenance: MaintenanceSwitch) {}

  @Get()
  @RequireScope('admin')
  status() {
    return this.maintenance.status();
  }

  @Put()
  @RequireScope('admin')
  async set(@Body() body: unknown) {
    const enabled = (body as { enabled?: unknown } | null)?.enabled;
    if (typeof enabled !== 'boolean') throw problems.validation([{ field: '/enabled', message: 'must be boolean' }]);
    await this.maintenance.set(enabled);
    return this.maintenance.status();
  }
}
