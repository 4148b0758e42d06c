import { DeleteMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * Deletes processed messages in DeleteMessageBatch calls of up to 10, flushing as soon as 10
 * are waiting or `lingerMs` after the first: a FIFO group only delivers its next message once the
 * previous one is deleted, so deletes must not wait for the rest of their receive batch. The
 * linger trades that delay for fuller batches: at 5 ms a worker draining 100-300 messages a
 * second sent batches of 1-4, and SQS calls cost CPU on both ends (and money on AWS).
 */
export class DeleteBatcher {
  private pending: Array<{ receiptHandle: string; done: (failure?: string) => void }> = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private lingerMs = 25,
  ) {}

  /** Resolves with undefined once deleted, or with the failure message. */
  delete(receiptHandle: string): Promise<string | undefined> {
    return new Promise((done) => {
      this.pending.push({ receiptHandle, done });
      if (this.pending.length >= 10) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    });
  }

  /** From now on deletes go out at once, and so do those waiting: a shutdown waits for no batch to fill. */
  stopLingering(): void {
    this.lingerMs = 0;
    if (this.pending.length > 0) this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const entries = this.pending.splice(0, 10);
    if (this.pending.length > 0) this.timer = setTimeout(() => this.flush(), this.lingerMs);
    if (entries.length === 0) return;
    this.client
      .send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: entries.map((entry, index) => ({ Id: String(index), ReceiptHandle: entry.receiptHandle })),
        }),
      )
      .then(
        (result) => {
          const failed = new Map((result.Failed ?? []).map((f) => [Number(f.Id), f.Message ?? f.Code ?? 'failed']));
          entries.forEach((entry, index) => entry.done(failed.get(index)));
        },
        (error: Error) => entries.forEach((entry) => entry.done(error.message)),
      );
  }
}
