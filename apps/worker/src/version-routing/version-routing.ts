import { Logger } from '@nestjs/common';
import { messageSlots } from '../worker-slots';
import { SQSClient } from '@aws-sdk/client-sqs';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig, requiredSetting } from '@orderflow/config/app-config';
import { SqsTransport, SqsTransportOptions } from '@orderflow/messaging/sqs.transport';
import { CustomerBarrier, SettleWaiters } from '@orderflow/messaging/version-routing/customer-barrier';
import { BarrierRecovery } from '@orderflow/messaging/version-routing/barrier-recovery';
import { VERSION_QUEUE_MAX_RECEIVES, VersionQueue, VersionQueues } from '@orderflow/messaging/version-routing/version-queues';
import { InstanceRegistry } from '@orderflow/release/instance-registry';
import { ReleaseService } from '@orderflow/release/release.service';
import { ReleaseStateRepository } from '@orderflow/persistence/release-state.repository';
import { WorkerAssignment } from '@orderflow/release/worker-assignment';
import { WorkerFigures } from '@orderflow/release/worker-figures';
import { WorkerReleaseController } from '@orderflow/release/worker-release-controller';
import { createLogger } from '@orderflow/observability/logger';
import { OrderMessage } from '@orderflow/contracts/order-message';
import { isTransientError } from '@orderflow/orders/order-errors';
import { decodeOrderMessage } from '../order-message-decoder';
import { OrderForwarder } from './order-forwarder';
import { VersionRouter } from './version-router';
import { VersionSender } from './version-sender';
import { VersionQueueSweeper } from './version-queue-sweeper';

/**
 * Everything the worker runs when WORKER_VERSION_QUEUES is on (docs/releases.md, "Workers"): the
 * forwarder consuming the ingress queue, this version's own queue, the sweeper of retired
 * versions' queues, and the assignment they all read.
 */
export class VersionRouting {
  private readonly log = new Logger('VersionRouting');
  readonly assignment: WorkerAssignment;
  readonly router: VersionRouter;
  /** This worker's processing outcomes, for the worker release controller. */
  readonly figures: WorkerFigures;
  private readonly controller: WorkerReleaseController;
  private readonly recovery: BarrierRecovery;
  private readonly waiters = new SettleWaiters();
  private readonly forwarder: OrderForwarder;
  private readonly ingress: SqsTransport<OrderMessage>;
  private readonly sweeper: VersionQueueSweeper;
  /** Set once the worker's own transport has its handlers: the sweeper's consumers copy them. */
  private ownTransport?: SqsTransport<OrderMessage>;

  constructor(
    private readonly config: AppConfig,
    private readonly client: SQSClient,
    private readonly redis: Redis,
    db: DataSource,
    readonly queues: VersionQueues,
    readonly ownQueue: VersionQueue,
  ) {
    const barrier = new CustomerBarrier(redis);
    const sender = new VersionSender(client, queues);
    const releases = new ReleaseService(db);
    this.figures = new WorkerFigures(redis);
    this.recovery = new BarrierRecovery(client, queues, barrier, (error) => this.log.warn(`barrier recovery check failed: ${error.message}`));
    this.controller = new WorkerReleaseController(db, redis, releases, this.figures, config.router.bounds, createLogger(config.logLevel, { app: 'worker', context: 'WorkerReleaseController' }));
    const registry = new InstanceRegistry(redis, config.release.instanceTtlSeconds);
    const pins = new ReleaseStateRepository();
    this.assignment = new WorkerAssignment({
      databaseUrl: config.databaseUrl,
      routingState: () => releases.getRoutingState(),
      workerPins: () => pins.pinsOfService(db.manager, 'worker'),
      liveVersions: async () => (await registry.list('worker')).map((instance) => instance.version),
      ownVersion: config.version,
      onError: (error) => this.log.warn(`release state not refreshed: ${error.message}`),
    });
    this.router = new VersionRouter(config.version, this.assignment, barrier, sender);
    this.forwarder = new OrderForwarder(this.assignment, barrier, this.waiters, sender);
    this.ingress = new SqsTransport<OrderMessage>({
      ...this.commonOptions(),
      role: 'ingress',
      queueUrl: requiredSetting(config.aws.ordersQueueUrl, 'ORDERS_QUEUE_URL'),
      dlqUrl: requiredSetting(config.aws.ordersDlqUrl, 'ORDERS_DLQ_URL'),
      // Forwarding needs no database: as many customers at once as wait at their barriers.
      maxConcurrency: config.worker.forwardConcurrency,
      maxInFlight: config.worker.forwardConcurrency,
    });
    const forward = async (message: OrderMessage, context: Parameters<OrderForwarder['forward']>[1]) => this.forwarder.forward(message, context);
    this.ingress.addHandler('order.place', forward as never);
    this.ingress.addHandler('order.cancel', forward as never);
    this.sweeper = new VersionQueueSweeper(config.version, queues, this.assignment, (queue) => this.consumerOf(queue));
  }

  /** Options of the worker's own version queue transport. */
  ownQueueOptions(): SqsTransportOptions<OrderMessage> {
    return { ...this.versionQueueOptions(this.ownQueue), role: 'version', maxConcurrency: messageSlots(this.config) };
  }

  bindOwnTransport(transport: SqsTransport<OrderMessage>): void {
    this.ownTransport = transport;
  }

  async start(): Promise<void> {
    await this.waiters.start(this.redis);
    await this.assignment.start();
    await new Promise<void>((done, fail) => this.ingress.listen((error) => (error ? fail(error) : done())));
    this.sweeper.start();
    this.figures.start();
    this.controller.start();
    this.recovery.start();
  }

  /** Forwarding stops first (held ingress messages go back), then the sweeper's consumers drain. */
  async stopForwarding(): Promise<void> {
    this.forwarder.stop();
    this.waiters.stop();
    await this.ingress.drain();
  }

  async stop(): Promise<void> {
    this.recovery.stop();
    await this.sweeper.stop();
    await this.controller.stop();
    await this.figures.stop();
    await this.assignment.stop();
  }

  private consumerOf(queue: VersionQueue): SqsTransport | undefined {
    const handlers = this.ownTransport?.getHandlers();
    if (!handlers || handlers.size === 0) return undefined;
    const transport = new SqsTransport<OrderMessage>({ ...this.versionQueueOptions(queue), role: 'sweep', maxConcurrency: Math.max(1, Math.floor((this.config.databasePoolSize - 1) / 2)) });
    for (const [pattern, handler] of handlers) transport.addHandler(pattern, handler);
    return transport as SqsTransport;
  }

  private versionQueueOptions(queue: VersionQueue): SqsTransportOptions<OrderMessage> {
    return {
      ...this.commonOptions(),
      queueUrl: queue.queueUrl,
      dlqUrl: queue.dlqUrl,
      queueLabel: queue.version,
      // Below the redrive policy's count: the worker dead-letters itself and settles the barrier.
      maxReceives: VERSION_QUEUE_MAX_RECEIVES / 2,
      onDeadLettered: async (message) => {
        if (message) await this.router.settle(message);
      },
    };
  }

  private commonOptions() {
    const c = this.config;
    return {
      client: this.client,
      decode: decodeOrderMessage,
      pollers: c.worker.pollers,
      waitTimeSeconds: c.worker.waitTimeSeconds,
      maxInFlight: c.worker.maxInFlight,
      deleteLingerMs: c.worker.deleteLingerMs,
      shutdownGraceMs: c.worker.shutdownGraceMs,
      isTransient: isTransientError,
    };
  }
}
