import { DynamicModule, Inject, Module, OnApplicationBootstrap, BeforeApplicationShutdown, Optional } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LoggerModule } from 'nestjs-pino';
import { InstanceRegistrationModule } from '@orderflow/release/instance-registration.module';
import { DataSource } from 'typeorm';
import { AppConfig, requiredSetting } from '@orderflow/config/app-config';
import { APP_CONFIG, ConfigModule } from '@orderflow/config/config.module';
import { ApiKeyGuard } from '@orderflow/http/auth';
import { HealthController } from '@orderflow/http/health';
import { MetricsController } from '@orderflow/http/metrics.controller';
import { loggerParams } from '@orderflow/http/http-app';
import { HEALTH_CHECKS, HealthCheck } from '@orderflow/observability/health-check';
import { CORE_HEALTH_CHECKS, OrdersModule } from '@orderflow/orders/orders.module';
import { PRIMARY_DB } from '@orderflow/persistence/persistence.module';
import { REDIS } from '@orderflow/locking/locking.module';
import { AuthModule } from '@orderflow/auth/auth.module';
import type Redis from 'ioredis';
import { VersionQueues } from '@orderflow/messaging/version-routing/version-queues';
import { VersionRouting } from './version-routing/version-routing';
import { MessagingModule, SQS_CLIENT } from '@orderflow/messaging/messaging.module';
import { SqsTransport } from '@orderflow/messaging/sqs.transport';
import { OutboxRelay } from '@orderflow/messaging/outbox-relay';
import { OrderMessagesController } from './order-messages.controller';
import { decodeOrderMessage } from './order-message-decoder';
import { isTransientError } from '@orderflow/orders/order-errors';
import { OrderProcessingService } from '@orderflow/orders/order-processing.service';
import { AdaptiveLimiter, AimdController } from '@orderflow/orders/adaptive-concurrency';
import { workerConcurrencyLimit, workerLatencyTarget } from '@orderflow/observability/metrics';
import { WORKER_LIMITER } from './order-messages.controller';
import { databaseSlots, messageSlots } from './worker-slots';

/**
 * Messages in progress beyond what the transactions the adaptive limit admits can place: one
 * more placement batch (at least two messages). They wait without locks for the limit's room, so
 * that when a batch commits, a whole batch is ready to take its place; with only two, a worker held
 * to one transaction alternated full batches with batches of two (docs/benchmarks.md, eleventh
 * session). They also keep a message waiting for a busy customer's lock from stopping the others.
 */
const readyAhead = (c: AppConfig): number => Math.max(2, c.placementBatch);

/** The SQS worker: the orders queue transport, the outbox relay, health and metrics on PORT. */
@Module({})
export class WorkerModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(SqsTransport) private readonly transport: SqsTransport,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Optional() @Inject(VersionRouting) private readonly routing: VersionRouting | null,
  ) {}

  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(loggerParams(config, 'worker')), OrdersModule, AuthModule.forPrimary(), MessagingModule, InstanceRegistrationModule.forService('worker')],
      controllers: [OrderMessagesController, HealthController, MetricsController],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        {
          // Version queues on: the forwarder, the sweeper and the assignment (null when off).
          provide: VersionRouting,
          inject: [SQS_CLIENT, REDIS, PRIMARY_DB, APP_CONFIG],
          useFactory: async (client: SQSClient, redis: Redis, db: DataSource, c: AppConfig) => {
            if (!c.worker.versionQueues) return null;
            const queues = new VersionQueues(client, requiredSetting(c.aws.ordersQueueUrl, 'ORDERS_QUEUE_URL'), redis);
            return new VersionRouting(c, client, redis, db, queues, await queues.queueOf(c.version));
          },
        },
        {
          provide: SqsTransport,
          inject: [SQS_CLIENT, APP_CONFIG, VersionRouting],
          useFactory: (client: SQSClient, c: AppConfig, routing: VersionRouting | null) => {
            if (routing) {
              // This version's own queue; the ingress queue is the forwarder's.
              const own = new SqsTransport(routing.ownQueueOptions());
              routing.bindOwnTransport(own);
              return own;
            }
            return new SqsTransport({
              client,
              decode: decodeOrderMessage,
              queueUrl: requiredSetting(c.aws.ordersQueueUrl, 'ORDERS_QUEUE_URL'),
              dlqUrl: requiredSetting(c.aws.ordersDlqUrl, 'ORDERS_DLQ_URL'),
              pollers: c.worker.pollers,
              waitTimeSeconds: c.worker.waitTimeSeconds,
              maxInFlight: c.worker.maxInFlight,
              deleteLingerMs: c.worker.deleteLingerMs,
              shutdownGraceMs: c.worker.shutdownGraceMs,
              maxConcurrency: messageSlots(c),
              isTransient: isTransientError,
            });
          },
        },
        {
          // Live REST traffic first: only as many transactions (placement batches) at once as
          // keep them within the latency target (the backlog takes what is left), and at most one
          // batch more messages in progress than those can place (readyAhead). See docs/operations.md.
          provide: WORKER_LIMITER,
          inject: [OrderProcessingService, APP_CONFIG],
          useFactory: (processing: OrderProcessingService, c: AppConfig) => {
            const max = databaseSlots(c);
            const messagesFor = (transactions: number) => Math.min(messageSlots(c), transactions * c.placementBatch + readyAhead(c));
            if (c.worker.adaptiveConcurrency) {
              const aimd = new AimdController({
                min: Math.min(c.worker.minConcurrency, max),
                max,
                targetMs: c.worker.dbLatencyTargetMs,
                tolerance: c.worker.dbLatencyTolerance ?? undefined,
              });
              processing.onTransaction((ms) => {
                aimd.observe(ms);
                workerConcurrencyLimit.set(aimd.concurrency);
                workerLatencyTarget.set(aimd.targetMs / 1000);
              });
              workerConcurrencyLimit.set(aimd.concurrency);
              processing.admitTransactionsThrough(new AdaptiveLimiter(() => aimd.limit, () => aimd.duty));
              return new AdaptiveLimiter(() => messagesFor(aimd.limit));
            }
            return new AdaptiveLimiter(() => messagesFor(max));
          },
        },
        {
          provide: OutboxRelay,
          inject: [PRIMARY_DB, SQS_CLIENT, APP_CONFIG],
          useFactory: (db: DataSource, client: SQSClient, c: AppConfig) => new OutboxRelay(db, client, requiredSetting(c.aws.orderEventsQueueUrl, 'ORDER_EVENTS_QUEUE_URL')),
        },
        {
          provide: HEALTH_CHECKS,
          inject: [CORE_HEALTH_CHECKS, SQS_CLIENT, APP_CONFIG],
          useFactory: (core: HealthCheck[], client: SQSClient, c: AppConfig): HealthCheck[] => [
            ...core,
            {
              name: 'ordersQueue',
              check: async () => {
                const { Attributes } = await client.send(
                  new GetQueueAttributesCommand({
                    QueueUrl: c.aws.ordersQueueUrl,
                    AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
                  }),
                );
                return { visible: Number(Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
              },
            },
          ],
        },
      ],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.relay.start();
    await this.routing?.start();
  }

  /**
   * Runs before the database and Redis connections close: stop forwarding (held ingress messages
   * go back), drain this version's messages and the swept ones, then stop relaying.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.routing?.stopForwarding();
    await this.transport.drain();
    await this.routing?.stop();
    await this.relay.stop();
  }
}
