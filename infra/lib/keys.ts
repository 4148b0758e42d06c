import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The KMS keys, one per kind of secret:
 * - `data`: everything at rest (Aurora, ElastiCache, SQS, S3, Secrets Manager, CloudWatch Logs,
 *   the alarm topic). Services use it through their own integration.
 * - `bundles`: the envelope key of the encrypted configuration bundles (SECRETS_KMS_KEY_ID). Only
 *   the task roles may decrypt with it, each only for bundles whose encryption context names its app.
 */
export class Keys extends Construct {
  readonly data: kms.Key;
  readonly bundles: kms.Key;

  constructor(scope: Construct, id: string, props: { envName: string }) {
    super(scope, id);
    this.data = new kms.Key(this, 'Data', {
      description: `Orderflow ${props.envName}: data at rest`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts with the key itself (not as the caller), so its key policy must say so,
    // limited to this account's log groups.
    this.data.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*` },
        },
      }),
    );
    this.bundles = new kms.Key(this, 'Bundles', {
      description: `Orderflow ${props.envName}: envelope key of the encrypted configuration bundles`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
