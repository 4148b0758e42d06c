import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Alarms } from './alarms';
import { AppTask } from './app-task';
import { Buckets } from './buckets';
import { Cache } from './cache';
import { APP_DB_USER, Database, REPORTING_DB_USER } from './database';
import { AppEnvironment } from './environment';
import { consumeQueue, readBundle, sendToQueue } from './grants';
import { Keys } from './keys';
import { LoadBalancer } from './load-balancer';
import { Queues } from './queues';
import { Parameters } from './parameters';
import { SecurityGroups } from './security-groups';

export interface Sizing {
  readonly cpu: number;
  readonly memoryMiB: number;
}

export interface ServicesProps {
  readonly envName: string;
  readonly cluster: ecs.Cluster;
  readonly subnets: ec2.SubnetSelection;
  /** The Orderflow image at a tag: the stable version and, during a release, the candidate. */
  readonly image: (tag: string) => ecs.ContainerImage;
  /** The versions (stable, candidate), the candidate's size, whether anything runs. */
  readonly params: Parameters;
  readonly securityGroups: SecurityGroups;
  readonly loadBalancer: LoadBalancer;
  readonly database: Database;
  readonly cache: Cache;
  readonly queues: Queues;
  readonly buckets: Buckets;
  readonly keys: Keys;
  readonly alarms: Alarms;
  readonly environment: AppEnvironment;
  readonly logRetention: logs.RetentionDays;
  readonly sizes: { router: Sizing; api: Sizing; worker: Sizing; reporting: Sizing };
  readonly api: { minTasks: number; maxTasks: number; cpuTargetPercent: number };
  readonly worker: { minTasks: number; maxTasks: number; backlogPerTask: number; oldestMessageSeconds: number };
  readonly routerTasks: number;
  readonly reportingTasks: number;
}

/**
 * The long-running services on Fargate: the router (nginx + release controller) behind the load
 * balancer, the API in two slots (stable, and the candidate of a release), the worker autoscaled on
 * its queue, and the reporting service on the reader. Every service rolls back by itself when a
 * deployment does not become healthy (circuit breaker) or trips its alarms.
 */
export class Services extends Construct {
  readonly router: ecs.FargateService;
  readonly api: ecs.FargateService;
  readonly apiCandidate: ecs.FargateService;
  readonly worker: ecs.FargateService;
  readonly reporting: ecs.FargateService;
  readonly tasks: Record<'router' | 'api' | 'apiCandidate' | 'worker' | 'reporting', AppTask>;

  constructor(scope: Construct, id: string, private readonly props: ServicesProps) {
    super(scope, id);
    const env = props.environment;
    const sgs = props.securityGroups;
    const locks = { REDIS_URL: ecs.Secret.fromSecretsManager(props.cache.urlSecret) };
    const params = props.params;
    const stableVersion = params.imageTag;
    const candidateVersion = params.releaseImageTag;

    const task = (name: string, version: string, sizing: Sizing, extra: Omit<ConstructorParameters<typeof AppTask>[2], 'image' | 'cpu' | 'memoryMiB' | 'logKey' | 'logRetention'>) =>
      new AppTask(this, name, {
        image: props.image(version),
        cpu: sizing.cpu,
        memoryMiB: sizing.memoryMiB,
        logKey: props.keys.data,
        logRetention: props.logRetention,
        ...extra,
      });

    const router = task('RouterTask', stableVersion, props.sizes.router, {
      command: ['router'],
      http: true,
      writableRootFilesystem: true,
      environment: { ...env.common(stableVersion), ...env.writer(), ...env.bundle('router') },
      secrets: locks,
    });
    const apiTask = (name: string, version: string) =>
      task(name, version, props.sizes.api, {
        command: ['api'],
        http: true,
        advertise: true,
        environment: { ...env.common(version), ...env.writer(), ...env.ordersQueue(), ...env.bundle('api') },
        secrets: locks,
      });
    const api = apiTask('ApiTask', stableVersion);
    const apiCandidate = apiTask('ApiCandidateTask', candidateVersion);
    const worker = task('WorkerTask', stableVersion, props.sizes.worker, {
      command: ['worker'],
      http: true,
      advertise: true,
      // The worker drains within SHUTDOWN_GRACE_MS (20 s) and releases what is left.
      stopTimeout: Duration.seconds(30),
      environment: { ...env.common(stableVersion), ...env.writer(), ...env.allQueues() },
      secrets: locks,
    });
    const reporting = task('ReportingTask', stableVersion, props.sizes.reporting, {
      command: ['reporting'],
      http: true,
      advertise: true,
      environment: { ...env.common(stableVersion), ...env.reader() },
    });
    this.tasks = { router, api, apiCandidate, worker, reporting };

    // Task roles: each what its program calls, on its own resources.
    const { database: db, queues, keys } = props;
    db.grantConnect(router.definition.taskRole, APP_DB_USER);
    this.bundleAccess(router, 'router');
    for (const t of [api, apiCandidate]) {
      db.grantConnect(t.definition.taskRole, APP_DB_USER);
      sendToQueue(t.definition.taskRole, queues.orders, keys.data);
      this.bundleAccess(t, 'api');
    }
    db.grantConnect(worker.definition.taskRole, APP_DB_USER);
    consumeQueue(worker.definition.taskRole, queues.orders, keys.data);
    sendToQueue(worker.definition.taskRole, queues.ordersDlq, keys.data);
    sendToQueue(worker.definition.taskRole, queues.events, keys.data);
    db.grantConnect(reporting.definition.taskRole, REPORTING_DB_USER);

    const alarms = props.alarms;
    this.router = this.service('Router', router, params.whenRunning(props.routerTasks), sgs.router, alarms.apiDeploymentAlarms);
    props.loadBalancer.routerTargets.addTarget(this.router);
    this.api = this.service('Api', api, params.autoscaledWhenRunning, sgs.api, alarms.apiDeploymentAlarms);
    this.apiCandidate = this.service(
      'ApiCandidate',
      apiCandidate,
      params.whenRunning(params.candidateApiTasks, params.candidateRunning),
      sgs.api,
      alarms.apiDeploymentAlarms,
    );
    this.worker = this.service('Worker', worker, params.autoscaledWhenRunning, sgs.worker, alarms.workerDeploymentAlarms);
    this.reporting = this.service('Reporting', reporting, params.whenRunning(props.reportingTasks), sgs.reporting, alarms.reportingDeploymentAlarms);
    props.loadBalancer.reportingTargets.addTarget(this.reporting);

    this.api
      .autoScaleTaskCount({ minCapacity: params.whenRunning(props.api.minTasks), maxCapacity: params.whenRunning(props.api.maxTasks) })
      .scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: props.api.cpuTargetPercent });
    this.scaleWorkersOnQueue();
  }

  private bundleAccess(task: AppTask, app: string): void {
    readBundle(task.definition.taskRole, {
      bucket: this.props.buckets.bundles,
      objectKey: this.props.environment.bundleKey(app),
      bucketKey: this.props.keys.data,
      bundleKey: this.props.keys.bundles,
      app,
      envName: this.props.envName,
    });
  }

  private service(id: string, task: AppTask, desiredCount: number, securityGroup: ec2.ISecurityGroup, alarmNames: string[]) {
    return new ecs.FargateService(this, id, {
      cluster: this.props.cluster,
      taskDefinition: task.definition,
      desiredCount,
      vpcSubnets: this.props.subnets,
      securityGroups: [securityGroup],
      assignPublicIp: false,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      // Rolling: new tasks start (and register) before old ones stop; no request is dropped.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      deploymentAlarms: { alarmNames, behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM },
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
    });
  }

  /**
   * Workers follow the orders queue: target tracking keeps the backlog per running task near a
   * target (a custom metric math expression, which the L2 construct does not offer), and step
   * scaling adds tasks fast when the oldest message gets old (a backlog of a few slow customers).
   */
  private scaleWorkersOnQueue(): void {
    const w = this.props.worker;
    const params = this.props.params;
    // Stopped means stopped: a backlog must not scale workers up against a schema not migrated yet.
    const scaling = this.worker.autoScaleTaskCount({ minCapacity: params.whenRunning(w.minTasks), maxCapacity: params.whenRunning(w.maxTasks) });
    const scalableTarget = scaling.node.findChild('Target') as appscaling.ScalableTarget;
    new appscaling.CfnScalingPolicy(this, 'WorkerBacklogPerTask', {
      policyName: 'backlog-per-task',
      policyType: 'TargetTrackingScaling',
      scalingTargetId: scalableTarget.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: w.backlogPerTask,
        scaleInCooldown: 120,
        scaleOutCooldown: 30,
        customizedMetricSpecification: {
          metrics: [
            {
              id: 'visible',
              returnData: false,
              metricStat: {
                metric: {
                  namespace: 'AWS/SQS',
                  metricName: 'ApproximateNumberOfMessagesVisible',
                  dimensions: [{ name: 'QueueName', value: this.props.queues.orders.queueName }],
                },
                stat: 'Sum',
              },
            },
            {
              id: 'tasks',
              returnData: false,
              metricStat: {
                metric: {
                  namespace: 'ECS/ContainerInsights',
                  metricName: 'RunningTaskCount',
                  dimensions: [
                    { name: 'ClusterName', value: this.props.cluster.clusterName },
                    { name: 'ServiceName', value: this.worker.serviceName },
                  ],
                },
                stat: 'Average',
              },
            },
            { id: 'backlogPerTask', label: 'orders waiting per worker task', expression: 'visible / MAX([tasks, 1])', returnData: true },
          ],
        },
      },
    });
    scaling.scaleOnMetric('OldestMessage', {
      metric: this.props.queues.orders.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(2),
      scalingSteps: [
        { upper: w.oldestMessageSeconds, change: 0 },
        { lower: w.oldestMessageSeconds, change: +1 },
        { lower: w.oldestMessageSeconds * 4, change: +3 },
      ],
    });
  }
}

