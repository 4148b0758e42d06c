import { Body, Controller, Get, Param, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { validateCustomerAccount, validateInventory } from '@orderflow/contracts/order-requests';
import { RequireScope, actorOf } from '@orderflow/http/auth';
import { problems } from '@orderflow/http/problem';
import { AccountsService } from '@orderflow/orders/accounts.service';
import { validId } from './request-params';

/** Admin routes: customer accounts (currency, credit limit) and stock records. */
@Controller('v1')
export class AdminController {
  constructor(private readonly accounts: AccountsService) {}

  @Put('customers/:customerId')
  @RequireScope('admin')
  async putCustomer(@Param('customerId') customerId: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    validId('customerId', customerId);
    const validation = validateCustomerAccount(body);
    if (!validation.ok) throw problems.validation(validation.errors);
    const { account, created } = await this.accounts.putCustomer(
      customerId,
      validation.value.currency,
      validation.value.creditLimitCents,
      actorOf(reply.request),
    );
    void reply.status(created ? 201 : 200);
    return account;
  }

  @Get('customers/:customerId')
  @RequireScope('admin')
  async getCustomer(@Param('customerId') customerId: string) {
    const account = await this.accounts.getCustomer(validId('customerId', customerId));
    if (!account) throw problems.notFound(`Customer ${customerId} does not exist`);
    return account;
  }

  @Put('inventory/:sku')
  @RequireScope('admin')
  async putStock(@Param('sku') sku: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    validId('sku', sku);
    const validation = validateInventory(body);
    if (!validation.ok) throw problems.validation(validation.errors);
    const { created, ...stock } = await this.accounts.putStock(sku, validation.value.available, actorOf(reply.request));
    void reply.status(created ? 201 : 200);
    return stock;
  }

  @Get('inventory/:sku')
  @RequireScope('admin')
  async getStock(@Param('sku') sku: string) {
    const stock = await this.accounts.getStock(validId('sku', sku));
    if (!stock) throw problems.notFound(`No stock record for SKU ${sku}`);
    return stock;
  }
}
