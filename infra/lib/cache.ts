import { Fn, SecretValue } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export const REDIS_PORT = 6379;

export interface CacheProps {
  readonly envName: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly key: kms.IKey;
  readonly nodeType: string;
  /** Replicas of the primary, in other zones (automatic failover needs at least 1). */
  readonly replicas: number;
  readonly logRetention: logs.RetentionDays;
}

/**
 * ElastiCache (Valkey, Redis-compatible) for the per-customer locks and fencing tokens: a primary
 * and replicas with Multi-AZ failover, TLS in transit, KMS at rest, an AUTH token from Secrets
 * Manager. Only L1 constructs exist for ElastiCache.
 */
export class Cache extends Construct {
  readonly group: elasticache.CfnReplicationGroup;
  readonly replicationGroupId: string;
  /** The whole `rediss://:<token>@host:port` URL, what REDIS_URL expects, as a secret. */
  readonly urlSecret: secretsmanager.Secret;
  readonly authToken: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    if (props.replicas < 1) throw new Error('Cache: at least one replica is needed for automatic failover');
    this.replicationGroupId = `orderflow-${props.envName}-locks`;
    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'Orderflow: AUTH token of the locks replication group',
      encryptionKey: props.key,
      // ElastiCache accepts 16-128 printable characters except @ " /; alphanumerics are also URL-safe.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: 'Orderflow locks: isolated data subnets',
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });
    const slowLog = new logs.LogGroup(this, 'SlowLog', {
      retention: props.logRetention,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.group = new elasticache.CfnReplicationGroup(this, 'Locks', {
      replicationGroupId: this.replicationGroupId,
      replicationGroupDescription: 'Orderflow per-customer locks and fencing tokens',
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: props.nodeType,
      numNodeGroups: 1,
      replicasPerNodeGroup: props.replicas,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      port: REDIS_PORT,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      kmsKeyId: props.key.keyArn,
      authToken: this.authToken.secretValue.unsafeUnwrap(),
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [props.securityGroup.securityGroupId],
      snapshotRetentionLimit: 1,
      snapshotWindow: '01:00-02:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
      autoMinorVersionUpgrade: true,
      logDeliveryConfigurations: [
        {
          destinationType: 'cloudwatch-logs',
          logFormat: 'json',
          logType: 'slow-log',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: slowLog.logGroupName } },
        },
      ],
    });
    this.urlSecret = new secretsmanager.Secret(this, 'Url', {
      description: 'Orderflow: REDIS_URL of the locks replication group (TLS, AUTH token)',
      encryptionKey: props.key,
      // A dynamic reference to the token, resolved by CloudFormation: the template holds no secret.
      secretStringValue: SecretValue.unsafePlainText(
        Fn.join('', [
          'rediss://:',
          this.authToken.secretValue.unsafeUnwrap(),
          '@',
          this.group.attrPrimaryEndPointAddress,
          ':',
          this.group.attrPrimaryEndPointPort,
        ]),
      ),
    });
    const rotationReason =
      'The AUTH token is rotated with ElastiCache itself (ModifyReplicationGroup AuthTokenUpdateStrategy ROTATE ' +
      'then SET, procedure in docs/deploy-aws.md), not by a Secrets Manager rotation function.';
    Validations.of(this.authToken).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotationReason });
    Validations.of(this.urlSecret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotationReason });
  }

  /** Node ids of the group (primary at creation first), the dimension of ElastiCache's node metrics. */
  get nodeIds(): string[] {
    return Array.from({ length: this.replicasCount + 1 }, (_, i) => `${this.replicationGroupId}-${String(i + 1).padStart(3, '0')}`);
  }

  private get replicasCount(): number {
    return this.group.replicasPerNodeGroup ?? 1;
  }
}
