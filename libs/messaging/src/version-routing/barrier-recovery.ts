import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CustomerBarrier } from './customer-barrier';
import { VersionQueues } from './version-queues';

/**
 * Ends the barrier's recovery (customer-barrier.ts): after Redis lost the barrier state, no
 * message leaves the ingress queue until every version queue has been seen empty (nothing visible,
 * nothing in flight) on `checks` consecutive looks, since only then can no customer have an
 * earlier message left somewhere. Every worker runs one; the first to see it ends it.
 */
export class BarrierRecovery {
  private timer?: NodeJS.Timeout;
  private emptyLooks = 0;
  private looking = false;

  constructor(
    private readonly client: SQSClient,
    private readonly queues: VersionQueues,
    private readonly barrier: CustomerBarrier,
    private readonly onError: (error: Error) => void,
    private readonly checks = 3,
    private readonly everyMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.look(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async look(): Promise<void> {
    if (this.looking) return;
    this.looking = true;
    try {
      if (!(await this.barrier.recovering())) {
        this.emptyLooks = 0;
        return;
      }
      this.emptyLooks = (await this.versionQueuesEmpty()) ? this.emptyLooks + 1 : 0;
      if (this.emptyLooks >= this.checks) {
        await this.barrier.recovered();
        this.emptyLooks = 0;
      }
    } catch (error) {
      this.emptyLooks = 0;
      this.onError(error as Error);
    } finally {
      this.looking = false;
    }
  }

  private async versionQueuesEmpty(): Promise<boolean> {
    for (const queueUrl of await this.queues.queueUrls()) {
      const { Attributes } = await this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
      );
      if (Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesDelayed ?? 0) > 0) return false;
    }
    return true;
  }
}
