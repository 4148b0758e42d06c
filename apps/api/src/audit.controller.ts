import { Controller, Get, Query } from '@nestjs/common';
import { RequireScope } from '@orderflow/http/auth';
import { AuditLogService } from '@orderflow/release/audit-log.service';
import { parsePageQuery } from './request-params';

/** The audit log of admin and release actions, oldest first, by id cursor. */
@Controller('v1/admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditLogService) {}

  @Get()
  @RequireScope('admin')
  page(@Query() query: Record<string, unknown>) {
    const { limit, after } = parsePageQuery(query, Number.MAX_SAFE_INTEGER);
    return this.audit.page(after, limit);
  }
}
