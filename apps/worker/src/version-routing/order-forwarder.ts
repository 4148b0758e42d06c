import { OrderMessage } from '@orderflow/contracts/order-message';
import { CustomerBarrier, SettleWaiters } from '@orderflow/messaging/version-routing/customer-barrier';
import { SqsContext } from '@orderflow/messaging/sqs-context';
import { ordersForwarded, switchBarrierWaitDuration, switchBarrierWaits } from '@orderflow/observability/metrics';
import { WorkerAssignment } from '@orderflow/release/worker-assignment';
import { orderIdentity } from './order-identity';
import { VersionSender } from './version-sender';

/** The worker is stopping: the held ingress message is released for another worker. */
export class ForwarderStoppingError extends Error {
  constructor() {
    super('stopping: message released');
    this.name = 'ForwarderStoppingError';
  }
}

/** How long one wait at a barrier lasts before the state is read again (covers a lost announcement). */
const WAIT_SLICE_MS = 1000;

/**
 * The ingress role of every worker (version queues on): takes a customer's next message off the
 * ingress queue once the customer's barrier is free, and puts it on the queue of the version the
 * customer is assigned to now. The message stays held (its visibility extended) while it waits;
 * the ingress FIFO group keeps the customer's later messages behind it.
 */
export class OrderForwarder {
  private stopping = false;

  constructor(
    private readonly assignment: WorkerAssignment,
    private readonly barrier: CustomerBarrier,
    private readonly waiters: SettleWaiters,
    private readonly sender: VersionSender,
  ) {}

  stop(): void {
    this.stopping = true;
  }

  async forward(message: OrderMessage, sqs: SqsContext): Promise<{ forwardedTo: string }> {
    const { customerId, id } = orderIdentity(message);
    let switchWaitStarted: number | undefined;
    for (;;) {
      if (this.stopping) throw new ForwarderStoppingError();
      const target = this.assignment.versionFor(customerId);
      const claim = await this.barrier.claim(customerId, id, target);
      if (claim.action === 'send') {
        await this.sender.send(sqs.getMessage(), claim.version, customerId, id, claim.send);
        ordersForwarded.inc({ to: claim.version });
        if (switchWaitStarted !== undefined) switchBarrierWaitDuration.observe((Date.now() - switchWaitStarted) / 1000);
        return { forwardedTo: claim.version };
      }
      if (claim.action === 'recovering') {
        // Redis lost the barrier state: wait until no version queue holds anything.
        await this.waiters.wait(customerId, WAIT_SLICE_MS);
        continue;
      }
      // The customer's previous message is still on its way: normal. On another version than the
      // one assigned now: the customer just switched, and this one waits for that version to finish.
      if (claim.pendingVersion !== target && switchWaitStarted === undefined) {
        switchWaitStarted = Date.now();
        switchBarrierWaits.inc();
      }
      await this.waiters.wait(customerId, WAIT_SLICE_MS);
    }
  }
}
