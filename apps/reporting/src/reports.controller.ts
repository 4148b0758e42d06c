import { Controller, Get, Param, Query } from '@nestjs/common';
import { ID_PATTERN } from '@orderflow/contracts/place-order.schema';
import { Validation } from '@orderflow/contracts/schema-validator';
import { RequireScope } from '@orderflow/http/auth';
import { problems } from '@orderflow/http/problem';
import { parseSalesQuery, parseStatusQuery, parseTopSkusQuery } from '@orderflow/reporting/report-params';
import { ReportsService } from '@orderflow/reporting/reports.service';

const ID = new RegExp(ID_PATTERN);

/** The report routes (docs/reporting.md). Translation only: parameters in, report out. */
@Controller('v1/reports')
@RequireScope('reports:read')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('sales')
  sales(@Query() query: Record<string, unknown>) {
    return this.reports.sales(valid(parseSalesQuery(query)));
  }

  @Get('orders-by-status')
  ordersByStatus(@Query() query: Record<string, unknown>) {
    return this.reports.ordersByStatus(valid(parseStatusQuery(query)));
  }

  @Get('top-skus')
  topSkus(@Query() query: Record<string, unknown>) {
    return this.reports.topSkus(valid(parseTopSkusQuery(query)));
  }

  @Get('customers/:customerId/summary')
  async customerSummary(@Param('customerId') customerId: string) {
    if (!ID.test(customerId)) throw problems.validation([{ field: 'customerId', message: 'must be 1..64 chars of [A-Za-z0-9._:-]' }]);
    const summary = await this.reports.customerSummary(customerId);
    if (!summary) throw problems.notFound(`Customer ${customerId} has no orders`);
    return summary;
  }
}

function valid<T>(validation: Validation<T>): T {
  if (!validation.ok) throw problems.validation(validation.errors);
  return validation.value;
}
