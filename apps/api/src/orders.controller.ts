import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { validatePlaceOrder } from '@orderflow/contracts/order-requests';
import { RequireScope } from '@orderflow/http/auth';
import { problems } from '@orderflow/http/problem';
import { OrderProcessingService } from '@orderflow/orders/order-processing.service';
import { OrderIntakeService } from '@orderflow/orders/order-intake.service';
import { OrderQueriesService } from '@orderflow/orders/order-queries.service';
import { validId, parsePageQuery } from './request-params';

/** The storefront's order routes (docs/api.md). Translation only: the services decide. */
@Controller('v1')
export class OrdersController {
  constructor(
    private readonly processing: OrderProcessingService,
    private readonly intake: OrderIntakeService,
    private readonly queries: OrderQueriesService,
  ) {}

  @Post('orders')
  @RequireScope('orders:write')
  async place(
    @Body() body: unknown,
    @Headers() headers: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const validation = validatePlaceOrder(body);
    if (!validation.ok) throw problems.validation(validation.errors);
    const command = validation.value;
    const result = await this.intake.submit(command, {
      preferAsync: /(^|[,;\s])respond-async([,;\s]|$)/i.test(headers['prefer'] ?? ''),
      correlationId: headers['x-correlation-id'] ?? reply.request.id,
      traceparent: headers['traceparent'],
    });
    if (result.kind === 'accepted') {
      const location = `/v1/customers/${encodeURIComponent(command.customerId)}/orders/${encodeURIComponent(command.clientOrderId)}`;
      void reply.status(202).header('location', location).header('preference-applied', 'respond-async');
      return { status: 'ACCEPTED', reason: result.reason, customerId: command.customerId, clientOrderId: command.clientOrderId, location };
    }
    void reply.status(result.created ? 201 : 200).header('location', `/v1/orders/${result.order.id}`);
    return result.order;
  }

  @Get('orders/:id')
  @RequireScope('orders:read')
  async byId(@Param('id') id: string) {
    const order = UUID.test(id) ? await this.queries.byId(id) : null;
    if (!order) throw problems.notFound(`Order ${id} does not exist`);
    return order;
  }

  @Post('orders/:id/cancel')
  @RequireScope('orders:write')
  @HttpCode(200)
  async cancel(@Param('id') id: string) {
    if (!UUID.test(id)) throw problems.notFound(`Order ${id} does not exist`);
    const { order } = await this.processing.cancelOrder(id, { source: 'http' });
    return order;
  }

  @Get('customers/:customerId/orders/:clientOrderId')
  @RequireScope('orders:read')
  async byClientOrderId(@Param('customerId') customerId: string, @Param('clientOrderId') clientOrderId: string) {
    const order = await this.queries.byClientOrderId(validId('customerId', customerId), validId('clientOrderId', clientOrderId));
    if (!order) throw problems.notFound(`Order ${clientOrderId} of customer ${customerId} does not exist`);
    return order;
  }

  @Get('customers/:customerId/orders')
  @RequireScope('orders:read')
  async list(@Param('customerId') customerId: string, @Query() query: Record<string, unknown>) {
    const { limit, after } = parsePageQuery(query);
    return this.queries.page(validId('customerId', customerId), after, limit);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
