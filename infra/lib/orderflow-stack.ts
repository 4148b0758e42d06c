import { CfnCondition, CfnOutput, Duration, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { Alarms } from './alarms';
import { Buckets } from './buckets';
import { Cache } from './cache';
import { Database } from './database';
import { AppEnvironment } from './environment';
import { Keys } from './keys';
import { LoadBalancer } from './load-balancer';
import { Network } from './network';
import { OneOffTasks } from './one-off-tasks';
import { Parameters } from './parameters';
import { Queues } from './queues';
import { SecurityGroups } from './security-groups';
import { Services } from './services';
import { OrderflowSettings } from './settings';

export interface OrderflowStackProps extends StackProps {
  readonly settings: OrderflowSettings;
}

/**
 * The whole system in one environment-agnostic stack (no lookups: it synthesises offline), in
 * the order of the architecture: keys, network, data (queues, buckets, Aurora, ElastiCache),
 * entry point, alarms, services, one-off tasks.
 */
export class OrderflowStack extends Stack {
  readonly keys: Keys;
  readonly network: Network;
  readonly securityGroups: SecurityGroups;
  readonly queues: Queues;
  readonly buckets: Buckets;
  readonly database: Database;
  readonly cache: Cache;
  readonly loadBalancer: LoadBalancer;
  readonly alarms: Alarms;
  readonly services: Services;
  readonly oneOff: OneOffTasks;
  readonly parameters: Parameters;

  constructor(scope: Construct, id: string, props: OrderflowStackProps) {
    super(scope, id, props);
    const s = props.settings;
    const params = (this.parameters = new Parameters(this, 'Parameters'));
    const logRetention = s.logRetentionDays;

    this.keys = new Keys(this, 'Keys', { envName: s.envName });
    this.network = new Network(this, 'Network', {
      zones: s.zones,
      natGatewayPerZone: s.natGatewayPerZone,
      logKey: this.keys.data,
      logRetention,
    });
    const vpc = this.network.vpc;
    this.securityGroups = new SecurityGroups(this, 'SecurityGroups', { vpc });

    this.queues = new Queues(this, 'Queues', { key: this.keys.data });
    this.buckets = new Buckets(this, 'Buckets', { key: this.keys.data });
    this.database = new Database(this, 'Database', {
      envName: s.envName,
      vpc,
      subnets: this.network.dataSubnets,
      securityGroup: this.securityGroups.database,
      key: this.keys.data,
      instanceType: new ec2.InstanceType(s.dbInstanceClass),
      readers: s.dbReaders,
      backupRetention: Duration.days(s.dbBackupDays),
      logRetention,
      rotation: { subnets: this.network.taskSubnets, securityGroup: this.securityGroups.dbRotation },
    });
    this.cache = new Cache(this, 'Cache', {
      envName: s.envName,
      vpc,
      subnets: this.network.dataSubnets,
      securityGroup: this.securityGroups.cache,
      key: this.keys.data,
      nodeType: s.cacheNodeType,
      replicas: s.cacheReplicas,
      logRetention,
    });

    this.loadBalancer = new LoadBalancer(this, 'LoadBalancer', {
      vpc,
      securityGroup: this.securityGroups.alb,
      certificateArn: params.certificateArn,
      accessLogs: this.buckets.logs,
    });
    this.alarms = new Alarms(this, 'Alarms', {
      envName: s.envName,
      key: this.keys.data,
      alb: this.loadBalancer.alb,
      reportingTargets: this.loadBalancer.reportingTargets,
      orders: this.queues.orders,
      ordersDlq: this.queues.ordersDlq,
      events: this.queues.events,
      clusterIdentifier: this.database.clusterIdentifier,
      cacheNodeIds: this.cache.nodeIds,
      thresholds: s.thresholds,
    });
    const hasEmail = new CfnCondition(this, 'HasAlarmEmail', { expression: Fn.conditionNot(Fn.conditionEquals(params.alarmEmail, '')) });
    const subscription = new sns.CfnSubscription(this, 'AlarmEmailSubscription', {
      topicArn: this.alarms.topic.topicArn,
      protocol: 'email',
      endpoint: params.alarmEmail,
    });
    subscription.cfnOptions.condition = hasEmail;

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const repository = ecr.Repository.fromRepositoryName(this, 'Image', params.imageRepository);
    const image = (tag: string) => ecs.ContainerImage.fromEcrRepository(repository, tag);
    const environment = new AppEnvironment({
      envName: s.envName,
      database: this.database,
      queues: this.queues,
      buckets: this.buckets,
      keys: this.keys,
    });

    this.services = new Services(this, 'Services', {
      envName: s.envName,
      cluster,
      subnets: this.network.taskSubnets,
      image,
      params,
      securityGroups: this.securityGroups,
      loadBalancer: this.loadBalancer,
      database: this.database,
      cache: this.cache,
      queues: this.queues,
      buckets: this.buckets,
      keys: this.keys,
      alarms: this.alarms,
      environment,
      logRetention,
      sizes: s.sizes,
      api: s.api,
      worker: s.worker,
      routerTasks: s.routerTasks,
      reportingTasks: s.reportingTasks,
    });
    this.oneOff = new OneOffTasks(this, 'Tasks', {
      cluster,
      subnets: this.network.taskSubnets,
      // During a release the one-off programs are the candidate's: its migrations run first.
      image: image(params.releaseImageTag),
      version: params.releaseImageTag,
      securityGroups: this.securityGroups,
      database: this.database,
      queues: this.queues,
      buckets: this.buckets,
      keys: this.keys,
      environment,
      logRetention,
    });

    // What the procedures of docs/deploy-aws.md need.
    const output = (name: string, value: string, description: string) => new CfnOutput(this, name, { value, description });
    output('ApiUrl', `https://${this.loadBalancer.alb.loadBalancerDnsName}`, 'Load balancer (point the API host name here)');
    output('ClusterName', cluster.clusterName, 'ECS cluster');
    output('TaskSubnets', vpc.selectSubnets(this.network.taskSubnets).subnetIds.join(','), 'Subnets for one-off tasks');
    output('MigrateTaskDefinition', this.oneOff.migrate.definition.taskDefinitionArn, 'aws ecs run-task: the migration');
    output('MigrateSecurityGroup', this.securityGroups.migrate.securityGroupId, 'Security group of the migration task');
    output('BootstrapTaskDefinition', this.oneOff.bootstrap.definition.taskDefinitionArn, 'aws ecs run-task: database roles, once');
    output('BootstrapSecurityGroup', this.securityGroups.bootstrap.securityGroupId, 'Security group of the bootstrap task');
    output('DlqTaskDefinition', this.oneOff.dlq.definition.taskDefinitionArn, 'aws ecs run-task: dlq list|redrive');
    output('DlqSecurityGroup', this.securityGroups.dlq.securityGroupId, 'Security group of the dead-letter tool');
    output('RouterTaskDefinition', this.services.tasks.router.definition.taskDefinitionArn, 'aws ecs run-task: release commands');
    output('RouterSecurityGroup', this.securityGroups.router.securityGroupId, 'Security group of the router');
    output('OrdersQueueUrl', this.queues.orders.queueUrl, 'Storefronts send order commands here (FIFO)');
    output('OrderEventsQueueUrl', this.queues.events.queueUrl, 'Outcome events (FIFO)');
    output('ReportsBucket', this.buckets.reports.bucketName, 'Exports');
    output('BundlesBucket', this.buckets.bundles.bucketName, 'Encrypted configuration bundles');
    output('BundlesKeyArn', this.keys.bundles.keyArn, 'SECRETS_KMS_KEY_ID: encrypt the bundles with this key');
    output('DataKeyArn', this.keys.data.keyArn, 'KMS key of the data at rest (producers of the orders queue need kms:GenerateDataKey on it)');
    output('AlarmTopicArn', this.alarms.topic.topicArn, 'Alarms');
  }
}
