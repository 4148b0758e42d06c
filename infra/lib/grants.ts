import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * The task roles' permissions, written out action by action (no wildcard actions), each on the one
 * resource it concerns. Queues and buckets are encrypted with the data key: a role may use that key
 * only through the service that holds the data (kms:ViaService).
 */
export function consumeQueue(role: iam.IRole, queue: sqs.IQueue, key: kms.IKey): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      resources: [queue.queueArn],
    }),
  );
  useKeyVia(role, key, 'sqs', ['kms:Decrypt']);
}

export function sendToQueue(role: iam.IRole, queue: sqs.IQueue, key: kms.IKey): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], resources: [queue.queueArn] }),
  );
  useKeyVia(role, key, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
}

/** Exports: multipart uploads under one prefix, never a read or a delete. */
export function writeExports(role: iam.IRole, bucket: s3.IBucket, prefix: string, key: kms.IKey): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: [bucket.arnForObjects(`${prefix}*`)],
    }),
  );
  // A multipart upload to SSE-KMS reads back the data key of its parts: Decrypt too.
  useKeyVia(role, key, 's3', ['kms:GenerateDataKey', 'kms:Decrypt']);
}

/**
 * One app's configuration bundle (issue 10's envelope format): read the object, decrypt its data
 * key only when the encryption context names this app and this environment. The app checks the
 * context again after decrypting.
 */
export function readBundle(
  role: iam.IRole,
  opts: { bucket: s3.IBucket; objectKey: string; bucketKey: kms.IKey; bundleKey: kms.IKey; app: string; envName: string },
): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [opts.bucket.arnForObjects(opts.objectKey)] }));
  useKeyVia(role, opts.bucketKey, 's3', ['kms:Decrypt']);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [opts.bundleKey.keyArn],
      conditions: {
        StringEquals: { 'kms:EncryptionContext:app': opts.app, 'kms:EncryptionContext:env': opts.envName },
      },
    }),
  );
}

function useKeyVia(role: iam.IRole, key: kms.IKey, service: 'sqs' | 's3', actions: string[]): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `${service}.${Aws.REGION}.amazonaws.com` } },
    }),
  );
}
