import { Match } from 'aws-cdk-lib/assertions';
import { orderflow } from '../support/orderflow-template';

/** Queues, buckets, Aurora, ElastiCache, keys, logs: the properties the architecture relies on. */
const { stack, template, id, ofType } = orderflow();
const dataKey = id(stack.keys.data);
const keyArn = { 'Fn::GetAtt': [dataKey, 'Arn'] };

describe('SQS', () => {
  const orders = id(stack.queues.orders);
  const dlq = id(stack.queues.ordersDlq);
  const events = id(stack.queues.events);

  test('the orders queue is FIFO, explicit deduplication, and redrives to its FIFO DLQ after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      VisibilityTimeout: 30,
      ReceiveMessageWaitTimeSeconds: 20,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    const resources = template.toJSON().Resources;
    expect(resources[orders].Properties.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [dlq, 'Arn'] });
    expect(resources[dlq].Properties.FifoQueue).toBe(true);
    expect(resources[events].Properties.FifoQueue).toBe(true);
    expect(resources[events].Properties.RedrivePolicy).toBeUndefined();
  });

  test('every queue is encrypted with the data key and refuses requests without TLS', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues).toHaveLength(3);
    for (const [, q] of queues) expect(q.Properties.KmsMasterKeyId).toEqual(keyArn);
    const policies = ofType('AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(3);
    for (const [, p] of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });
});

describe('S3', () => {
  test('every bucket blocks public access, refuses plain HTTP and is encrypted; data buckets with the KMS key', () => {
    const buckets = ofType('AWS::S3::Bucket');
    expect(buckets).toHaveLength(3);
    for (const [, b] of buckets) {
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toHaveLength(1);
    }
    for (const bucket of [stack.buckets.reports, stack.buckets.bundles]) {
      expect(template.toJSON().Resources[id(bucket)].Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
      });
    }
    const policies = ofType('AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(3);
    for (const [, p] of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });
});

describe('Aurora PostgreSQL', () => {
  const cluster = id(stack.database.cluster);

  test('encrypted, IAM authentication, backups, deletion protection, snapshot on removal, TLS forced', () => {
    template.hasResource('AWS::RDS::DBCluster', {
      DeletionPolicy: 'Snapshot',
      Properties: Match.objectLike({
        Engine: 'aurora-postgresql',
        StorageEncrypted: true,
        KmsKeyId: keyArn,
        EnableIAMDatabaseAuthentication: true,
        DeletionProtection: true,
        BackupRetentionPeriod: 14,
        DatabaseName: 'orderflow',
        EnableCloudwatchLogsExports: ['postgresql'],
      }),
    });
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: Match.objectLike({ 'rds.force_ssl': '1' }) });
  });

  test('one writer and at least one reader, in the isolated subnets, with encrypted Performance Insights', () => {
    const instances = ofType('AWS::RDS::DBInstance').filter(([, r]) => r.Properties.DBClusterIdentifier.Ref === cluster);
    expect(instances.length).toBeGreaterThanOrEqual(2);
    for (const [, i] of instances) {
      expect(i.Properties.PubliclyAccessible).toBe(false);
      expect(i.Properties.EnablePerformanceInsights).toBe(true);
      expect(i.Properties.PerformanceInsightsKMSKeyId).toEqual(keyArn);
    }
    expect(instances.filter(([, i]) => i.Properties.PromotionTier === 0)).toHaveLength(1);
  });

  test('the admin password is generated into Secrets Manager, encrypted, and rotated', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: keyArn,
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"orderflow_admin"}' }),
    });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });
});

describe('ElastiCache', () => {
  test('a Multi-AZ replication group with TLS required, KMS at rest and an AUTH token from Secrets Manager', () => {
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      Engine: 'valkey',
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      ReplicasPerNodeGroup: 1,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AtRestEncryptionEnabled: true,
      KmsKeyId: keyArn,
      AuthToken: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: id(stack.cache.authToken) }, ':SecretString:::}}']] },
    });
  });

  test('REDIS_URL is a secret built from the token reference: rediss://, never the token itself', () => {
    const url = template.toJSON().Resources[id(stack.cache.urlSecret)].Properties;
    expect(url.KmsKeyId).toEqual(keyArn);
    expect(url.SecretString['Fn::Join'][1].slice(0, 3)).toEqual([
      'rediss://:{{resolve:secretsmanager:',
      { Ref: id(stack.cache.authToken) },
      ':SecretString:::}}@',
    ]);
  });
});

describe('keys and logs', () => {
  test('both keys rotate yearly and are retained', () => {
    const keys = ofType('AWS::KMS::Key');
    expect(keys).toHaveLength(2);
    for (const [logicalId, k] of keys) {
      expect(k.Properties.EnableKeyRotation).toBe(true);
      expect(k.Properties.RotationPeriodInDays).toBe(365);
      expect(template.toJSON().Resources[logicalId].DeletionPolicy).toBe('Retain');
    }
  });

  test('every log group is encrypted with the data key and has a retention', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(12);
    for (const [, g] of groups) {
      expect(g.Properties.KmsKeyId).toEqual(keyArn);
      expect(g.Properties.RetentionInDays).toBe(30);
    }
  });

  test('the alarm topic is encrypted and refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});
