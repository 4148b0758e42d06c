import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * The S3 buckets: exports (REPORTS_BUCKET), encrypted configuration bundles (SECRETS_BUNDLES), and
 * the server access logs of both. No public access, TLS only, versioned; KMS for the data buckets.
 */
export class Buckets extends Construct {
  readonly reports: s3.Bucket;
  readonly bundles: s3.Bucket;
  /** Access logs of the buckets and the load balancer (SSE-S3: what S3 log delivery and ELB accept). */
  readonly logs: s3.Bucket;

  constructor(scope: Construct, id: string, props: { key: kms.IKey }) {
    super(scope, id);
    this.logs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const kmsBucket = (bucketId: string, logPrefix: string, lifecycleRules: s3.LifecycleRule[]) =>
      new s3.Bucket(this, bucketId, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: props.key,
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: true,
        serverAccessLogsBucket: this.logs,
        serverAccessLogsPrefix: logPrefix,
        lifecycleRules,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.reports = kmsBucket('Reports', 'reports/', [
      // A retried export rewrites the same key: keep the overwritten versions a month only.
      { noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ]);
    this.bundles = kmsBucket('Bundles', 'bundles/', [
      // Previous bundles stay readable for a rollback of a rotation, then go.
      { noncurrentVersionExpiration: Duration.days(90) },
    ]);
  }
}
