import { Logger } from '@nestjs/common';
import { SqsTransport } from '@orderflow/messaging/sqs.transport';
import { VersionQueue, VersionQueues } from '@orderflow/messaging/version-routing/version-queues';
import { WorkerAssignment } from '@orderflow/release/worker-assignment';

/**
 * Empties the queues of versions that no live worker runs any more (retired after a promote, an
 * aborted candidate whose fleet is gone, a fleet killed): every worker consumes them too, with the
 * same handlers as its own queue, so each message is moved to (or processed by) the version its
 * customer is assigned to, in order. A version that comes back is left to its own fleet again.
 */
export class VersionQueueSweeper {
  private readonly log = new Logger('VersionQueueSweeper');
  private readonly sweeping = new Map<string, SqsTransport>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly ownVersion: string,
    private readonly queues: VersionQueues,
    private readonly assignment: WorkerAssignment,
    /** A consumer of another version's queue with this worker's handlers. */
    private readonly consumerOf: (queue: VersionQueue) => SqsTransport | undefined,
    private readonly everyMs = 2000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick().catch((error: Error) => this.log.warn(`sweep failed: ${error.message}`)), this.everyMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([...this.sweeping.values()].map((transport) => transport.drain()));
    this.sweeping.clear();
  }

  private async tick(): Promise<void> {
    for (const queue of await this.queues.recorded()) {
      if (this.stopped || queue.version === this.ownVersion) continue;
      const running = this.sweeping.get(queue.version);
      const orphaned = !this.assignment.isLive(queue.version);
      if (orphaned && !running) {
        const transport = this.consumerOf(queue);
        if (!transport) return; // handlers not bound yet
        this.sweeping.set(queue.version, transport);
        try {
          await new Promise<void>((done, fail) => transport.listen((error) => (error ? fail(error) : done())));
        } catch (error) {
          this.sweeping.delete(queue.version);
          throw error;
        }
        this.log.log(`no live worker runs ${queue.version}: emptying its queue into the assigned versions`);
      } else if (!orphaned && running) {
        this.sweeping.delete(queue.version);
        await running.drain();
        this.log.log(`${queue.version} has live workers again: leaving its queue to them`);
      }
    }
  }
}
