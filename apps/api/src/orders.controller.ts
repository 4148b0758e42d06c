import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { validatePlaceOrder } from '@orderflow/contracts/order-requests';
import { RequireScope } from '@orderflow/http/auth';
import { problems } from '@orderflow/http/problem';
import { OrderProcessingService } from '@orderflow/orders/order-processing.service';
import { OrderQueriesService } from '@orderflow/orders/order-queries.service';
import { validId, parsePageQuery } from './request-params';

/** The storefront's order routes (docs/api.md). Translation only: the services decide. */
@Controller('v1')
export class OrdersController {
  constructor(
    private readonly processing: OrderProcessingService,
    private readonly queries: OrderQueriesService,
  ) {}

  @Post('orders')
  @RequireScope('orders:write')
  async place(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const validation = validatePlaceOrder(body);
    if (!validation.ok) throw problems.validation(validation.errors);
    const { order, created } = await this.processing.placeOrder(validation.value, { source: 'http' });
    void reply.status(created ? 201 : 200).header('location', `/v1/orders/${order.id}`);
    return order;
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
