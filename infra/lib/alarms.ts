import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmThresholds {
  /** New dead letters within 5 minutes (a version that cannot process orders). */
  readonly deadLettersPer5Minutes: number;
  /** Oldest message on the orders queue, seconds. */
  readonly oldestMessageSeconds: number;
  /** 5xx answers (load balancer and targets) over all requests, percent. */
  readonly apiErrorRatePercent: number;
  /** p99 of the target response time, seconds. */
  readonly apiP99Seconds: number;
  /** Oldest outcome event not yet consumed, seconds (a stalled consumer). */
  readonly oldestEventSeconds: number;
  /** Aurora's highest reader lag, milliseconds (reporting turns unready at 30 s). */
  readonly replicaLagMs: number;
  /** Engine (Redis thread) CPU of a cache node, percent. */
  readonly cacheCpuPercent: number;
  /** Memory used of a cache node's maxmemory, percent. */
  readonly cacheMemoryPercent: number;
}

export const DEFAULT_THRESHOLDS: AlarmThresholds = {
  deadLettersPer5Minutes: 10,
  oldestMessageSeconds: 120,
  oldestEventSeconds: 3600,
  apiErrorRatePercent: 1,
  apiP99Seconds: 1,
  replicaLagMs: 5000,
  cacheCpuPercent: 80,
  cacheMemoryPercent: 80,
};

export interface AlarmsProps {
  readonly envName: string;
  readonly key: kms.IKey;
  readonly alb: elbv2.ApplicationLoadBalancer;
  readonly reportingTargets: elbv2.ApplicationTargetGroup;
  readonly orders: sqs.IQueue;
  readonly ordersDlq: sqs.IQueue;
  readonly events: sqs.IQueue;
  readonly clusterIdentifier: string;
  readonly cacheNodeIds: string[];
  readonly thresholds: AlarmThresholds;
}

/**
 * The CloudWatch alarms, all to one encrypted SNS topic. The API and worker alarms are also the
 * ECS deployment alarms: a deployment during which one fires is rolled back. Alarm names are fixed
 * (orderflow-<env>-...) so that the services can name them without depending on them.
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly apiErrorRate: cloudwatch.Alarm;
  readonly apiLatency: cloudwatch.Alarm;
  readonly reportingErrors: cloudwatch.Alarm;
  readonly dlqNotEmpty: cloudwatch.Alarm;
  readonly deadLettering: cloudwatch.Alarm;
  readonly oldestMessage: cloudwatch.Alarm;
  readonly oldestEvent: cloudwatch.Alarm;
  readonly replicaLag: cloudwatch.Alarm;
  readonly cacheCpu: cloudwatch.Alarm[];
  readonly cacheMemory: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const t = props.thresholds;
    const name = (what: string) => `orderflow-${props.envName}-${what}`;
    this.topic = new sns.Topic(this, 'Topic', { masterKey: props.key, enforceSSL: true, displayName: name('alarms') });
    const minute = Duration.minutes(1);

    const lb = props.alb.metrics;
    const errorRate = new cloudwatch.MathExpression({
      label: '5xx % of requests',
      expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / FILL(requests, 1)',
      usingMetrics: {
        target5xx: lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: minute }),
        elb5xx: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period: minute }),
        requests: lb.requestCount({ period: minute }),
      },
      period: minute,
    });
    this.apiErrorRate = errorRate.createAlarm(this, 'ApiErrorRate', {
      alarmName: name('api-5xx-rate'),
      alarmDescription: `More than ${t.apiErrorRatePercent}% of requests answered 5xx`,
      threshold: t.apiErrorRatePercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.apiLatency = lb.targetResponseTime({ statistic: 'p99', period: minute }).createAlarm(this, 'ApiLatency', {
      alarmName: name('api-p99-latency'),
      alarmDescription: `p99 response time above ${t.apiP99Seconds} s`,
      threshold: t.apiP99Seconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.reportingErrors = props.reportingTargets.metrics
      .httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: minute, statistic: 'Sum' })
      .createAlarm(this, 'ReportingErrors', {
        alarmName: name('reporting-5xx'),
        alarmDescription: 'The reporting service answers 5xx',
        threshold: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.dlqNotEmpty = props.ordersDlq
      .metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' })
      .createAlarm(this, 'DlqNotEmpty', {
        alarmName: name('orders-dlq-not-empty'),
        alarmDescription: 'Orders are in the dead-letter queue: npm run dlq -- list',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    // Growth, not level: dead letters left from before must not roll back every worker deployment.
    this.deadLettering = new cloudwatch.MathExpression({
      label: 'new dead letters',
      expression: 'RATE(FILL(dlq, 0)) * PERIOD(dlq)',
      usingMetrics: { dlq: props.ordersDlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }) },
      period: Duration.minutes(5),
    }).createAlarm(this, 'DeadLettering', {
      alarmName: name('orders-dead-lettering'),
      alarmDescription: `At least ${t.deadLettersPer5Minutes} orders dead-lettered within 5 minutes`,
      threshold: t.deadLettersPer5Minutes,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.oldestMessage = props.orders
      .metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' })
      .createAlarm(this, 'OldestMessage', {
        alarmName: name('orders-oldest-message-age'),
        alarmDescription: `An order has waited on the queue more than ${t.oldestMessageSeconds} s`,
        threshold: t.oldestMessageSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.oldestEvent = props.events
      .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' })
      .createAlarm(this, 'OldestEvent', {
        alarmName: name('events-oldest-message-age'),
        alarmDescription: `An outcome event has waited for its consumer more than ${t.oldestEventSeconds} s`,
        threshold: t.oldestEventSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.replicaLag = new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName: 'AuroraReplicaLagMaximum',
      dimensionsMap: { DBClusterIdentifier: props.clusterIdentifier },
      statistic: 'Maximum',
      period: minute,
    }).createAlarm(this, 'ReplicaLag', {
      alarmName: name('db-replica-lag'),
      alarmDescription: `A reader lags the writer by more than ${t.replicaLagMs} ms`,
      threshold: t.replicaLagMs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const nodeAlarm = (node: string, metricName: string, what: string, threshold: number) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ElastiCache',
        metricName,
        dimensionsMap: { CacheClusterId: node },
        statistic: 'Average',
        period: minute,
      }).createAlarm(this, `${what}-${node}`, {
        alarmName: name(`cache-${what}-${node.slice(-3)}`),
        alarmDescription: `Cache node ${node}: ${metricName} above ${threshold}%`,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    this.cacheCpu = props.cacheNodeIds.map((node) => nodeAlarm(node, 'EngineCPUUtilization', 'cpu', t.cacheCpuPercent));
    this.cacheMemory = props.cacheNodeIds.map((node) => nodeAlarm(node, 'DatabaseMemoryUsagePercentage', 'memory', t.cacheMemoryPercent));

    const action = new actions.SnsAction(this.topic);
    for (const alarm of this.all) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  get all(): cloudwatch.Alarm[] {
    return [
      this.apiErrorRate,
      this.apiLatency,
      this.reportingErrors,
      this.dlqNotEmpty,
      this.deadLettering,
      this.oldestMessage,
      this.oldestEvent,
      this.replicaLag,
      ...this.cacheCpu,
      ...this.cacheMemory,
    ];
  }

  /** What rolls back a deployment of the router or the API: what users see. */
  get apiDeploymentAlarms(): string[] {
    return [this.apiErrorRate.alarmName, this.apiLatency.alarmName];
  }

  /** A worker version that cannot process orders dead-letters them or lets them wait. */
  get workerDeploymentAlarms(): string[] {
    return [this.deadLettering.alarmName, this.oldestMessage.alarmName];
  }

  get reportingDeploymentAlarms(): string[] {
    return [this.reportingErrors.alarmName];
  }
}
