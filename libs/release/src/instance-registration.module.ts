import { randomUUID } from 'node:crypto';
import { DynamicModule, Inject, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type Redis from 'ioredis';
import type { Server } from 'node:http';
import { AppConfig } from '@orderflow/config/app-config';
import { APP_CONFIG } from '@orderflow/config/config.module';
import { createRedis, waitForRedis } from '@orderflow/locking/redis-connection';
import { InstanceMembership, InstanceRegistry } from './instance-registry';
import { Service } from './release-types';

const REGISTRY_REDIS = Symbol('REGISTRY_REDIS');
const SERVICE = Symbol('SERVICE');

/**
 * Registers this app instance in the Redis registry once its HTTP server listens, and
 * deregisters it first thing on shutdown (onModuleDestroy runs before any drain in
 * beforeApplicationShutdown and before the HTTP server closes), then keeps serving for
 * DEREGISTER_GRACE_MS so that the router stops sending it requests before it stops taking them. Without REDIS_URL (reporting may run without one) nothing is registered.
 */
@Module({})
export class InstanceRegistrationModule implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('InstanceRegistry');
  private membership?: InstanceMembership;
  private joining?: Promise<void>;

  constructor(
    @Inject(REGISTRY_REDIS) private readonly redis: Redis | null,
    @Inject(SERVICE) private readonly service: Service,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  static forService(service: Service): DynamicModule {
    return {
      module: InstanceRegistrationModule,
      providers: [
        { provide: SERVICE, useValue: service },
        // Its own connection: registration must not wait behind order traffic, nor share its fate.
        {
          provide: REGISTRY_REDIS,
          inject: [APP_CONFIG],
          useFactory: async (c: AppConfig) => {
            if (!c.redisUrl) return null;
            const redis = createRedis(c.redisUrl);
            await waitForRedis(redis); // a Redis that is down does not stop the start: the heartbeat retries
            return redis;
          },
        },
      ],
    };
  }

  onApplicationBootstrap(): void {
    if (!this.redis) {
      this.logger.warn('REDIS_URL is not set: this instance is not registered, so no router sends it requests');
      return;
    }
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const join = () => void (this.joining = this.join(server).catch((error) => this.logger.warn(`registration failed: ${(error as Error).message}`)));
    if (server.listening) join();
    else server.once('listening', join);
  }

  async onModuleDestroy(): Promise<void> {
    await this.joining;
    if (!this.membership) return;
    await this.membership.leave();
    this.membership = undefined;
    // Requests the router sent before it heard of the leave still arrive for a moment: keep
    // answering them (the HTTP server would answer 503 once closing) until it has re-rendered.
    // The worker's HTTP serves only probes and scrapes; nothing routes to it, so it drains at once.
    if (this.service !== 'worker') await new Promise((resolve) => setTimeout(resolve, this.config.release.deregisterGraceMs));
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }

  private async join(server: Server): Promise<void> {
    const address = server.address();
    if (!this.redis || address === null || typeof address === 'string') return;
    const ttl = this.config.release.instanceTtlSeconds;
    this.membership = new InstanceMembership(
      new InstanceRegistry(this.redis, ttl),
      {
        service: this.service,
        version: this.config.version,
        address: `${this.config.release.advertiseHost}:${address.port}`,
        instanceId: randomUUID(),
        startedAt: new Date().toISOString(),
      },
      ttl,
      (error) => this.logger.warn(`registry heartbeat failed: ${(error as Error).message}`),
    );
    await this.membership.join();
    this.logger.log(`registered ${this.service} ${this.config.version} at ${this.membership.instance.address}`);
  }
}
