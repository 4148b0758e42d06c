import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The queues of docs/messages.md, as docker/fauxqs/init.json declares them locally: the FIFO orders
 * queue with its FIFO dead-letter queue (redrive after 5 receives, the worker's retry budget) and
 * the FIFO events queue. All encrypted with the data key; all refuse plain HTTP.
 */
export class Queues extends Construct {
  static readonly MAX_RECEIVE_COUNT = 5;

  readonly orders: sqs.Queue;
  readonly ordersDlq: sqs.Queue;
  readonly events: sqs.Queue;

  constructor(scope: Construct, id: string, props: { key: kms.IKey }) {
    super(scope, id);
    const common = {
      fifo: true,
      contentBasedDeduplication: false,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      // Reuse a data key for 5 minutes: one KMS call per 5 minutes per producer, not per message.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.ordersDlq = new sqs.Queue(this, 'OrdersDlq', { ...common, retentionPeriod: Duration.days(14) });
    this.orders = new sqs.Queue(this, 'Orders', {
      ...common,
      // The worker extends the visibility of a message still being worked on (heartbeat at a third).
      visibilityTimeout: Duration.seconds(30),
      receiveMessageWaitTime: Duration.seconds(20),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.ordersDlq, maxReceiveCount: Queues.MAX_RECEIVE_COUNT },
    });
    this.events = new sqs.Queue(this, 'Events', { ...common, retentionPeriod: Duration.days(14) });
    Validations.of(this.events).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "Outcome events are read by downstream consumers in per-customer order (docs/messages.md); a redrive policy would set " +
        "aside an event its consumer keeps failing and let that customer's later events overtake it. A stalled consumer " +
        'shows in the events-oldest-message-age alarm instead; events are kept 14 days.',
    });
  }
}
