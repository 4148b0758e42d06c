import { orderflow } from '../support/orderflow-template';

/** The alarms of the issue, with their thresholds, all wired to the alarm topic. */
const { stack, id, all, ofType } = orderflow();
const alarms = stack.alarms;
const props = (alarm: any) => all[id(alarm)].Properties;
const topic = { Ref: id(alarms.topic) };

test('DLQ not empty: any message visible on the orders DLQ, within a minute', () => {
  expect(props(alarms.dlqNotEmpty)).toMatchObject({
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.queues.ordersDlq), 'QueueName'] } }],
    Statistic: 'Maximum',
    Period: 60,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 1,
  });
});

test('age of the oldest order above 120 s for 3 minutes; of the oldest event above an hour', () => {
  expect(props(alarms.oldestMessage)).toMatchObject({
    MetricName: 'ApproximateAgeOfOldestMessage',
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.queues.orders), 'QueueName'] } }],
    Threshold: 120,
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 3,
    DatapointsToAlarm: 3,
  });
  expect(props(alarms.oldestEvent)).toMatchObject({
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.queues.events), 'QueueName'] } }],
    Threshold: 3600,
  });
});

test('new dead letters (growth of the DLQ, not its level) roll back worker deployments', () => {
  const p = props(alarms.deadLettering);
  expect(p.Threshold).toBe(10);
  expect(p.Metrics.find((m: any) => m.ReturnData !== false).Expression).toBe('RATE(FILL(dlq, 0)) * PERIOD(dlq)');
});

test('API 5xx rate above 1% of requests (load balancer and targets), 2 of 3 minutes', () => {
  const p = props(alarms.apiErrorRate);
  expect(p).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, DatapointsToAlarm: 2 });
  const byId = Object.fromEntries(p.Metrics.map((m: any) => [m.Id, m]));
  expect(p.Metrics.find((m: any) => m.Expression).Expression).toBe('100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / FILL(requests, 1)');
  expect(byId.target5xx.MetricStat.Metric.MetricName).toBe('HTTPCode_Target_5XX_Count');
  expect(byId.elb5xx.MetricStat.Metric.MetricName).toBe('HTTPCode_ELB_5XX_Count');
  expect(byId.requests.MetricStat.Metric.MetricName).toBe('RequestCount');
  expect(byId.requests.MetricStat.Metric.Dimensions).toEqual([
    { Name: 'LoadBalancer', Value: { 'Fn::GetAtt': [id(stack.loadBalancer.alb), 'LoadBalancerFullName'] } },
  ]);
});

test('API p99 latency above 1 s for 3 minutes', () => {
  expect(props(alarms.apiLatency)).toMatchObject({
    MetricName: 'TargetResponseTime',
    ExtendedStatistic: 'p99',
    Threshold: 1,
    EvaluationPeriods: 3,
  });
});

test('replica lag: the highest Aurora reader lag above 5 s', () => {
  expect(props(alarms.replicaLag)).toMatchObject({
    Namespace: 'AWS/RDS',
    MetricName: 'AuroraReplicaLagMaximum',
    Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'orderflow-prod' }],
    Threshold: 5000,
  });
  // The dimension must name the real cluster.
  expect(all[id(stack.database.cluster)].Properties.DBClusterIdentifier).toBe('orderflow-prod');
});

test('Redis CPU and memory above 80% on every node of the replication group', () => {
  const nodes = ['orderflow-prod-locks-001', 'orderflow-prod-locks-002'];
  expect(all[id(stack.cache.group)].Properties.ReplicationGroupId).toBe('orderflow-prod-locks');
  for (const [list, metric] of [
    [alarms.cacheCpu, 'EngineCPUUtilization'],
    [alarms.cacheMemory, 'DatabaseMemoryUsagePercentage'],
  ] as const) {
    expect(list.map((a) => props(a).Dimensions[0].Value)).toEqual(nodes);
    for (const a of list) expect(props(a)).toMatchObject({ Namespace: 'AWS/ElastiCache', MetricName: metric, Threshold: 80 });
  }
});

test('every alarm notifies the encrypted topic when it fires and when it clears', () => {
  const cloudwatchAlarms = ofType('AWS::CloudWatch::Alarm').filter(([logicalId]) => logicalId.startsWith('Alarms'));
  expect(cloudwatchAlarms).toHaveLength(alarms.all.length);
  expect(alarms.all.length).toBe(12);
  for (const [, a] of cloudwatchAlarms) {
    expect(a.Properties.AlarmActions).toEqual([topic]);
    expect(a.Properties.OKActions).toEqual([topic]);
    expect(a.Properties.AlarmName).toMatch(/^orderflow-prod-/);
  }
});
