import { ChangeMessageVisibilityBatchCommand, ChangeMessageVisibilityCommand, Message, SQSClient } from '@aws-sdk/client-sqs';

/** Sets the visibility of messages in ChangeMessageVisibilityBatch calls of up to 10. */
export async function changeVisibility(client: SQSClient, queueUrl: string, messages: readonly Message[], seconds: number): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.slice(i, i + 10).map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle!,
          VisibilityTimeout: seconds,
        })),
      }),
    );
  }
}

/** Makes one message visible again after `seconds` (0: at once). */
export async function releaseMessage(client: SQSClient, queueUrl: string, message: Message, seconds: number): Promise<void> {
  await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: seconds }));
}

interface Held {
  message: Message;
  extendedAt: number;
  sentAt: number;
}

/** What the heartbeat reports: the count as it changes, the oldest send time on each tick. */
export interface HeldReport {
  onCount(count: number): void;
  /** undefined: nothing held. */
  onOldest(sentAt: number | undefined): void;
}

/**
 * The messages this consumer holds, with the heartbeat that keeps them invisible while their
 * work goes on (every third of the visibility timeout), however long a customer's queue is.
 * Holding and forgetting cost O(1): the held messages are only scanned on the tick.
 */
export class VisibilityHeartbeat {
  private readonly held = new Map<string, Held>();
  private timer?: NodeJS.Timeout;
  private visibilityTimeout = 30;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly report: HeldReport,
    private readonly onError: (error: Error) => void,
  ) {}

  start(visibilityTimeoutSeconds: number): void {
    this.visibilityTimeout = visibilityTimeoutSeconds;
    const every = Math.max(1, Math.floor(visibilityTimeoutSeconds / 3)) * 1000;
    this.timer = setInterval(() => void this.beat(), every);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get size(): number {
    return this.held.size;
  }

  hold(message: Message, now = Date.now()): void {
    this.held.set(message.ReceiptHandle!, { message, extendedAt: now, sentAt: Number(message.Attributes?.SentTimestamp ?? now) });
    this.countChanged();
  }

  forget(message: Message): void {
    this.held.delete(message.ReceiptHandle!);
    this.countChanged();
  }

  /** Makes everything still held visible again at once (the end of a drain). */
  async releaseAll(): Promise<number> {
    const messages = [...this.held.values()].map((held) => held.message);
    this.held.clear();
    this.countChanged();
    if (messages.length > 0) await changeVisibility(this.client, this.queueUrl, messages, 0).catch((error) => this.onError(error));
    return messages.length;
  }

  private countChanged(): void {
    this.report.onCount(this.held.size);
    if (this.held.size === 0) this.report.onOldest(undefined);
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    const extendBefore = now - (this.visibilityTimeout * 1000) / 3;
    const due: Held[] = [];
    let oldest: number | undefined;
    for (const held of this.held.values()) {
      if (held.extendedAt <= extendBefore) due.push(held);
      if (oldest === undefined || held.sentAt < oldest) oldest = held.sentAt;
    }
    this.report.onOldest(oldest);
    if (due.length === 0) return;
    for (const held of due) held.extendedAt = now;
    await changeVisibility(
      this.client,
      this.queueUrl,
      due.map((held) => held.message),
      this.visibilityTimeout,
    ).catch((error) => this.onError(error));
  }
}
