import { setTimeout as sleep } from 'node:timers/promises';
import { SQSClient } from '@aws-sdk/client-sqs';
import { MessageContext, sendOrders as sendOrderMessages } from '@orderflow/client';
import { PlaceOrderCommand } from '@orderflow/domain/order';

export interface SentOrder {
  command: PlaceOrderCommand;
  /** Position in the order SQS accepted this sender's messages: the send order that FIFO must keep per customer. */
  sendSeq: number;
}

export interface SendReport {
  sent: SentOrder[];
  /** Orders that could not be sent before giving up (never accepted: not expected to be processed). */
  unsent: PlaceOrderCommand[];
  retries: number;
  errorKinds: Record<string, number>;
  elapsedMs: number;
}

/** Process-wide, so that send order compares across several sends (phases) of one run. */
let nextSendSeq = 0;

/** A client for the queues the apps use: the emulator's (any credentials) or AWS's (the SDK's chain). */
export function sqsClient(env: { AWS_REGION?: string; SQS_ENDPOINT?: string }): SQSClient {
  return new SQSClient({
    region: env.AWS_REGION ?? 'us-east-1',
    endpoint: env.SQS_ENDPOINT,
    credentials: env.SQS_ENDPOINT ? { accessKeyId: 'test', secretAccessKey: 'test' } : undefined,
    cacheMiddleware: true, // the load generator's own cost per call (see libs/messaging/src/sqs-client.ts)
  });
}

/**
 * Sends `order.place` messages the way a storefront's integration would: SendMessageBatch (10 per
 * call), MessageGroupId = customerId, the contract's deduplication id (customer + clientOrderId), retrying failed
 * entries with the same ids. Customers are split over `lanes` parallel senders, so that each
 * customer's messages leave in one sequence.
 */
export async function sendOrders(
  sqs: SQSClient,
  queueUrl: string,
  commands: readonly PlaceOrderCommand[],
  opts: { lanes?: number; ratePerSecond?: number; giveUpAfterMs?: number; onSent?: (count: number) => void; context?: MessageContext } = {},
): Promise<SendReport> {
  const lanes = Math.max(1, opts.lanes ?? 4);
  const giveUpAfterMs = opts.giveUpAfterMs ?? 60_000;
  const byLane: PlaceOrderCommand[][] = Array.from({ length: lanes }, () => []);
  for (const command of commands) byLane[laneOf(command.customerId, lanes)].push(command);

  const report: SendReport = { sent: [], unsent: [], retries: 0, errorKinds: {}, elapsedMs: 0 };
  const started = performance.now();
  // Pacing applies to the whole sender: batch b of all lanes together is due at b * 10 / rate.
  let batchesStarted = 0;

  const sendLane = async (pending: PlaceOrderCommand[]) => {
    while (pending.length > 0) {
      const batch = pending.splice(0, 10);
      if (opts.ratePerSecond) {
        const due = started + (batchesStarted++ * 10 * 1000) / opts.ratePerSecond;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
      let remaining = batch;
      const firstTry = performance.now();
      while (remaining.length > 0) {
        // The storefront's producer (@orderflow/client): contract, group and deduplication ids.
        const result = await sendOrderMessages(sqs, queueUrl, remaining, opts.context);
        const accepted = new Set(result.sent.map((entry) => entry.order));
        for (const entry of result.failed) count(report.errorKinds, entry.code);
        for (const command of remaining) if (accepted.has(command)) report.sent.push({ command, sendSeq: nextSendSeq++ });
        remaining = remaining.filter((command) => !accepted.has(command));
        if (remaining.length > 0) {
          if (performance.now() - firstTry > giveUpAfterMs) {
            report.unsent.push(...remaining);
            break;
          }
          report.retries++;
          await sleep(200);
        }
      }
      opts.onSent?.(report.sent.length);
    }
  };
  await Promise.all(byLane.map(sendLane));
  report.elapsedMs = performance.now() - started;
  return report;
}

/**
 * Sends every order in the given order (one lane, FIFO keeps it per customer) and throws when SQS
 * refuses any: for a caller that expects each one sent, not retried.
 */
export async function sendAllOrders(sqs: SQSClient, queueUrl: string, commands: readonly PlaceOrderCommand[], context?: MessageContext): Promise<void> {
  const report = await sendOrders(sqs, queueUrl, commands, { lanes: 1, giveUpAfterMs: 0, context });
  if (report.unsent.length) throw new Error(`send failed for ${report.unsent.map((order) => order.clientOrderId).join(', ')}: ${JSON.stringify(report.errorKinds)}`);
}

function laneOf(customerId: string, lanes: number): number {
  let h = 0;
  for (let i = 0; i < customerId.length; i++) h = (h * 31 + customerId.charCodeAt(i)) >>> 0;
  return h % lanes;
}

function count(kinds: Record<string, number>, kind: string): void {
  kinds[kind] = (kinds[kind] ?? 0) + 1;
}
