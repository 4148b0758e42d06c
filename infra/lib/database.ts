import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';

/** Database roles: the apps' IAM-authenticated owner and the SELECT-only reporting role (migrations). */
export const DB_NAME = 'orderflow';
export const APP_DB_USER = 'orderflow_app';
export const REPORTING_DB_USER = 'orderflow_reporting';
export const ADMIN_DB_USER = 'orderflow_admin';
export const DB_PORT = 5432;

export interface DatabaseProps {
  readonly envName: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly key: kms.IKey;
  readonly instanceType: ec2.InstanceType;
  /** Readers behind the reader endpoint (reporting, exports); at least 1. */
  readonly readers: number;
  readonly backupRetention: Duration;
  readonly logRetention: logs.RetentionDays;
  /** Where the admin password's rotation function runs: it needs Secrets Manager and the cluster. */
  readonly rotation: { subnets: ec2.SubnetSelection; securityGroup: ec2.ISecurityGroup };
}

/**
 * Aurora PostgreSQL: one writer, N readers in other zones (also the failover targets). Storage,
 * Performance Insights, the logs and the admin secret are encrypted with the data key; TLS is forced;
 * the apps authenticate with IAM tokens (no password anywhere); the admin password lives in Secrets
 * Manager and is used by the one-off bootstrap task only.
 */
export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  readonly clusterIdentifier: string;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    if (props.readers < 1) throw new Error('Database: at least one reader is needed (reporting reads it)');
    this.clusterIdentifier = `orderflow-${props.envName}`;
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_15_15 });
    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Orderflow: TLS only, statement logging of slow queries',
      parameters: { 'rds.force_ssl': '1', log_min_duration_statement: '1000' },
    });
    // RDS writes to this group; creating it here sets its retention and key.
    const postgresLog = new logs.LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/cluster/${this.clusterIdentifier}/postgresql`,
      retention: props.logRetention,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const monitoringRole = new iam.Role(this, 'MonitoringRole', {
      assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole')],
    });
    const instance = (name: string, promotionTier: number) =>
      rds.ClusterInstance.provisioned(name, {
        instanceType: props.instanceType,
        enablePerformanceInsights: true,
        performanceInsightEncryptionKey: props.key,
        performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
        autoMinorVersionUpgrade: true,
        promotionTier,
        caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      });
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      clusterIdentifier: this.clusterIdentifier,
      engine,
      parameterGroup,
      defaultDatabaseName: DB_NAME,
      port: DB_PORT,
      credentials: rds.Credentials.fromGeneratedSecret(ADMIN_DB_USER, { encryptionKey: props.key }),
      writer: instance('Writer', 0),
      readers: Array.from({ length: props.readers }, (_, i) => instance(`Reader${i + 1}`, 1)),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      storageEncrypted: true,
      storageEncryptionKey: props.key,
      iamAuthentication: true,
      backup: { retention: props.backupRetention, preferredWindow: '02:00-03:00' },
      preferredMaintenanceWindow: 'sun:03:30-sun:04:30',
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: ['postgresql'],
      monitoringInterval: Duration.seconds(60),
      monitoringRole,
    });
    this.cluster.node.addDependency(postgresLog);
    this.cluster.addRotationSingleUser({
      automaticallyAfter: Duration.days(30),
      vpcSubnets: props.rotation.subnets,
      securityGroup: props.rotation.securityGroup,
    });
    Validations.of(monitoringRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
      reason: "AWS's managed policy for RDS Enhanced Monitoring, limited to the RDSOSMetrics log group; AWS maintains it with the agent.",
    });
  }

  get writerHost(): string {
    return this.cluster.clusterEndpoint.hostname;
  }

  get readerHost(): string {
    return this.cluster.clusterReadEndpoint.hostname;
  }

  /** `rds-db:connect` as one database user, on this cluster only. */
  grantConnect(grantee: iam.IGrantable, dbUser: string): void {
    this.cluster.grantConnect(grantee, dbUser);
  }
}
