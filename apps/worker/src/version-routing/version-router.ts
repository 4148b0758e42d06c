import { OrderMessage } from '@orderflow/contracts/order-message';
import { CustomerBarrier } from '@orderflow/messaging/version-routing/customer-barrier';
import { SqsContext } from '@orderflow/messaging/sqs-context';
import { ordersMoved } from '@orderflow/observability/metrics';
import { WorkerAssignment } from '@orderflow/release/worker-assignment';
import { orderIdentity } from './order-identity';
import { VersionSender } from './version-sender';

export type RoutingVerdict = { action: 'process' } | { action: 'moved'; to: string };

/** The barrier entry changed under a move (another copy acted first): read it again on the next receive. */
export class BarrierMovedError extends Error {
  constructor(customerId: string) {
    super(`the pending message of ${customerId} moved meanwhile`);
    this.name = 'BarrierMovedError';
  }
}

/**
 * Before a version queue's message is processed: is it this version's to process? A customer
 * assigned elsewhere now (a step, a pin, an abort) or a queue of a retired version: the message
 * moves on to the assigned version's queue, in order (it is its customer's only message beyond
 * the ingress queue). After it is processed or dead-lettered, its barrier settles.
 */
export class VersionRouter {
  constructor(
    private readonly ownVersion: string,
    private readonly assignment: WorkerAssignment,
    private readonly barrier: CustomerBarrier,
    private readonly sender: VersionSender,
  ) {}

  async route(message: OrderMessage, sqs: SqsContext): Promise<RoutingVerdict> {
    const { customerId, id } = orderIdentity(message);
    const queueVersion = sqs.queueLabel ?? this.ownVersion;
    const pending = await this.barrier.pending(customerId);
    // Not the pending message: a second copy of one already done (a forward repeated after a
    // crash). Processing it again is an idempotent replay.
    if (!pending || pending.id !== id) return { action: 'process' };
    if (pending.version !== queueVersion) {
      // A copy left behind by a move interrupted before its delete: make sure the move happened.
      const resend = await this.barrier.resend(customerId, id);
      if (!resend) throw new BarrierMovedError(customerId);
      await this.sender.send(sqs.getMessage(), resend.version, customerId, id, resend.send);
      return { action: 'moved', to: resend.version };
    }
    const target = this.assignment.versionFor(customerId);
    if (target === this.ownVersion) return { action: 'process' };
    const send = await this.barrier.move(customerId, id, queueVersion, target);
    if (send === null) throw new BarrierMovedError(customerId);
    await this.sender.send(sqs.getMessage(), target, customerId, id, send);
    ordersMoved.inc({ from: queueVersion, to: target });
    return { action: 'moved', to: target };
  }

  /** The message is done here (processed, or on the DLQ): the customer's next one may come. */
  async settle(message: OrderMessage): Promise<void> {
    const { customerId, id } = orderIdentity(message);
    await this.barrier.settle(customerId, id);
  }
}
