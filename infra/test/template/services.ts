import { Match } from 'aws-cdk-lib/assertions';
import { actionsOf, getAtt, orderflow, permissionsOf, statementsOf } from '../support/orderflow-template';

/** ECS services and tasks: wiring of the real configuration variables, IAM, rollbacks, scaling. */
const { stack, template, id, all, ofType } = orderflow();
const services = stack.services;
const tasks = { ...services.tasks, ...stack.oneOff };

const containerOf = (task: { definition: any }) => all[id(task.definition)].Properties.ContainerDefinitions[0];
const envOf = (task: { definition: any }) =>
  Object.fromEntries((containerOf(task).Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
const roleOf = (task: { definition: any }) => id(task.definition.taskRole);
const permissions = (task: { definition: any }) => permissionsOf(statementsOf(all, roleOf(task)));

const cluster = id(stack.database.cluster);
const dbUserArn = (user: string) =>
  JSON.stringify({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds-db:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':dbuser:', { 'Fn::GetAtt': [cluster, 'DBClusterResourceId'] }, `/${user}`]],
  });
const queueArn = (queue: any) => getAtt(id(queue));

describe('configuration of each program', () => {
  test('reporting and the export read the reader endpoint as the SELECT-only role, and have no writer URL', () => {
    for (const task of [tasks.reporting, tasks.exporter]) {
      const env = envOf(task);
      expect(env.DATABASE_REPLICA_URL).toEqual({
        'Fn::Join': ['', ['postgres://orderflow_reporting@', { 'Fn::GetAtt': [cluster, 'ReadEndpoint.Address'] }, ':5432/orderflow']],
      });
      expect(env.DATABASE_URL).toBeUndefined();
      expect(env).toMatchObject({ DATABASE_IAM_AUTH: 'true', DATABASE_TLS: 'verify-full', DATABASE_CA_FILE: '/app/certs/rds-global-bundle.pem' });
    }
    expect(envOf(tasks.exporter).REPORTS_BUCKET).toEqual({ Ref: id(stack.buckets.reports) });
    expect(containerOf(tasks.exporter).Command).toEqual(['report:export', '--from', 'yesterday', '--to', 'yesterday']);
  });

  test('api, worker, router and the migration use the writer endpoint as orderflow_app with IAM tokens', () => {
    for (const task of [tasks.api, tasks.apiCandidate, tasks.worker, tasks.router, tasks.migrate]) {
      expect(envOf(task).DATABASE_URL).toEqual({
        'Fn::Join': ['', ['postgres://orderflow_app@', { 'Fn::GetAtt': [cluster, 'Endpoint.Address'] }, ':5432/orderflow']],
      });
      expect(envOf(task).DATABASE_IAM_AUTH).toBe('true');
    }
  });

  test('the worker gets the three queues, the API only the orders queue; REDIS_URL comes from Secrets Manager', () => {
    expect(envOf(tasks.worker)).toMatchObject({
      ORDERS_QUEUE_URL: { Ref: id(stack.queues.orders) },
      ORDERS_DLQ_URL: { Ref: id(stack.queues.ordersDlq) },
      ORDER_EVENTS_QUEUE_URL: { Ref: id(stack.queues.events) },
    });
    expect(envOf(tasks.api).ORDERS_QUEUE_URL).toEqual({ Ref: id(stack.queues.orders) });
    expect(envOf(tasks.api).ORDER_EVENTS_QUEUE_URL).toBeUndefined();
    for (const task of [tasks.api, tasks.worker, tasks.router]) {
      expect(containerOf(task).Secrets).toEqual([{ Name: 'REDIS_URL', ValueFrom: { Ref: id(stack.cache.urlSecret) } }]);
      expect(envOf(task).REDIS_URL).toBeUndefined();
    }
    expect(containerOf(tasks.reporting).Secrets).toBeUndefined();
  });

  test('versions and bundles: ORDERFLOW_VERSION is the tag, SECRETS_BUNDLES names the app bundle of this environment', () => {
    expect(envOf(tasks.api)).toMatchObject({
      ORDERFLOW_VERSION: { Ref: 'ImageTag' },
      ORDERFLOW_ENV: 'prod',
      SECRETS_KMS_KEY_ID: { 'Fn::GetAtt': [id(stack.keys.bundles), 'Arn'] },
      SECRETS_BUNDLES: { 'Fn::Join': ['', ['s3://', { Ref: id(stack.buckets.bundles) }, '/prod/api.bundle']] },
    });
    const hasCandidate = id(stack.parameters.hasCandidate);
    expect(template.toJSON().Conditions[hasCandidate]).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'CandidateImageTag' }, ''] }] });
    expect(envOf(tasks.apiCandidate).ORDERFLOW_VERSION).toEqual({ 'Fn::If': [hasCandidate, { Ref: 'CandidateImageTag' }, { Ref: 'ImageTag' }] });
    expect(JSON.stringify(containerOf(tasks.apiCandidate).Image)).toContain('"Fn::If"');
    // The candidate slot runs no task while no release is under way.
    const candidateRunning = id(stack.parameters.candidateRunning);
    expect(template.toJSON().Conditions[candidateRunning]).toEqual({ 'Fn::And': [{ Condition: id(stack.parameters.running) }, { Condition: hasCandidate }] });
    expect(all[id(services.apiCandidate)].Properties.DesiredCount).toEqual({ 'Fn::If': [candidateRunning, { Ref: 'CandidateApiTasks' }, 0] });
    // The migration of a release is the candidate's.
    expect(envOf(tasks.migrate).ORDERFLOW_VERSION).toEqual({ 'Fn::If': [hasCandidate, { Ref: 'CandidateImageTag' }, { Ref: 'ImageTag' }] });
  });

  test('instances that register themselves read ADVERTISE_HOST from the task metadata and run under tini', () => {
    for (const task of [tasks.api, tasks.worker, tasks.reporting]) {
      const c = containerOf(task);
      expect(c.EntryPoint).toEqual(['/bin/sh', '-c']);
      expect(c.Command[0]).toMatch(/ECS_CONTAINER_METADATA_URI_V4.*exec \/usr\/bin\/tini -- \/usr\/local\/bin\/orderflow (api|worker|reporting)$/);
    }
  });
});

describe('IAM: least privilege per task role', () => {
  test('no statement of any role has a wildcard action; Resource * only for ecr:GetAuthorizationToken', () => {
    for (const [logicalId, policy] of ofType('AWS::IAM::Policy')) {
      for (const s of policy.Properties.PolicyDocument.Statement) {
        if (logicalId.startsWith('DatabaseClusterRotation')) continue;
        for (const action of actionsOf(s)) expect(`${logicalId}: ${action}`).not.toMatch(/\*/);
        if (s.Resource === '*') expect(`${logicalId}: ${actionsOf(s)}`).toBe(`${logicalId}: ecr:GetAuthorizationToken`);
      }
    }
  });

  test('the worker receives and deletes only from the orders queue, and sends only to the DLQ and the events queue', () => {
    const p = permissions(tasks.worker);
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
      expect(p.get(action)).toEqual([queueArn(stack.queues.orders)]);
    }
    expect(p.get('sqs:SendMessage')?.sort()).toEqual([queueArn(stack.queues.ordersDlq), queueArn(stack.queues.events)].sort());
    expect(p.get('rds-db:connect')).toEqual([dbUserArn('orderflow_app')]);
    expect([...p.keys()].filter((a) => a.startsWith('s3:'))).toEqual([]);
  });

  test('the API only sends to the orders queue', () => {
    const p = permissions(tasks.api);
    expect(p.get('sqs:SendMessage')).toEqual([queueArn(stack.queues.orders)]);
    expect(p.get('sqs:ReceiveMessage')).toBeUndefined();
    expect(p.get('sqs:DeleteMessage')).toBeUndefined();
  });

  test('reporting may log in as orderflow_reporting only, and touches no queue, no bucket and no other key', () => {
    expect(Object.fromEntries(permissions(tasks.reporting))).toEqual({ 'rds-db:connect': [dbUserArn('orderflow_reporting')] });
  });

  test('the export writes only under orders/ of the reports bucket, and cannot read or delete', () => {
    const p = permissions(tasks.exporter);
    const objects = JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(stack.buckets.reports), 'Arn'] }, '/orders/*']] });
    expect(p.get('s3:PutObject')).toEqual([objects]);
    expect(p.get('s3:AbortMultipartUpload')).toEqual([objects]);
    expect(p.get('s3:GetObject')).toBeUndefined();
    expect(p.get('s3:DeleteObject')).toBeUndefined();
    expect(p.get('rds-db:connect')).toEqual([dbUserArn('orderflow_reporting')]);
  });

  test('only the api and router roles decrypt bundles, each only under its own app and environment context', () => {
    const bundleKey = getAtt(id(stack.keys.bundles));
    const decrypters = ofType('AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as any[])
        .filter((s) => JSON.stringify(s.Resource) === bundleKey)
        .map((s) => ({ roles: policy.Properties.Roles.map((r: any) => r.Ref), actions: actionsOf(s), condition: s.Condition })),
    );
    const context = (app: string) => ({ StringEquals: { 'kms:EncryptionContext:app': app, 'kms:EncryptionContext:env': 'prod' } });
    expect(decrypters).toEqual(
      expect.arrayContaining([
        { roles: [roleOf(tasks.router)], actions: ['kms:Decrypt'], condition: context('router') },
        { roles: [roleOf(tasks.api)], actions: ['kms:Decrypt'], condition: context('api') },
        { roles: [roleOf(tasks.apiCandidate)], actions: ['kms:Decrypt'], condition: context('api') },
      ]),
    );
    expect(decrypters).toHaveLength(3);
    const objects = (app: string) => JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(stack.buckets.bundles), 'Arn'] }, `/prod/${app}.bundle`]] });
    expect(permissions(tasks.api).get('s3:GetObject')).toEqual([objects('api')]);
    expect(permissions(tasks.router).get('s3:GetObject')).toEqual([objects('router')]);
  });

  test('queue and bucket keys are used only through SQS or S3', () => {
    const dataKey = getAtt(id(stack.keys.data));
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      for (const s of policy.Properties.PolicyDocument.Statement) {
        if (JSON.stringify(s.Resource) !== dataKey) continue;
        expect(Object.keys(s.Condition?.StringEquals ?? {})).toEqual(['kms:ViaService']);
      }
    }
  });
});

describe('deployments roll back by themselves', () => {
  test('every service has the circuit breaker with rollback and rolls back on its alarms', () => {
    const expected = new Map([
      [services.router, stack.alarms.apiDeploymentAlarms],
      [services.api, stack.alarms.apiDeploymentAlarms],
      [services.apiCandidate, stack.alarms.apiDeploymentAlarms],
      [services.worker, stack.alarms.workerDeploymentAlarms],
      [services.reporting, stack.alarms.reportingDeploymentAlarms],
    ]);
    expect(ofType('AWS::ECS::Service')).toHaveLength(expected.size);
    for (const [service, alarms] of expected) {
      const config = all[id(service)].Properties.DeploymentConfiguration;
      expect(config.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
      expect(config.Alarms.Enable).toBe(true);
      expect(config.Alarms.Rollback).toBe(true);
      expect(config.Alarms.AlarmNames).toEqual(alarms.map((name) => stack.resolve(name)));
      expect(config.MinimumHealthyPercent).toBe(100);
    }
    expect(stack.alarms.workerDeploymentAlarms.map((n) => stack.resolve(n))).toEqual([
      { Ref: id(stack.alarms.deadLettering) },
      { Ref: id(stack.alarms.oldestMessage) },
    ]);
  });

  test('the router and reporting are the targets of the load balancer; the API is reached through the router only', () => {
    const lbOf = (service: any) => all[id(service)].Properties.LoadBalancers;
    expect(lbOf(services.router)).toEqual([{ ContainerName: 'orderflow', ContainerPort: 3000, TargetGroupArn: { Ref: id(stack.loadBalancer.routerTargets) } }]);
    expect(lbOf(services.reporting)).toEqual([{ ContainerName: 'orderflow', ContainerPort: 3000, TargetGroupArn: { Ref: id(stack.loadBalancer.reportingTargets) } }]);
    expect(lbOf(services.api)).toBeUndefined();
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [id(stack.securityGroups.api), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [id(stack.securityGroups.router), 'GroupId'] },
      FromPort: 3000,
      ToPort: 3000,
    });
    const apiIngress = ofType('AWS::EC2::SecurityGroupIngress').filter(
      ([, r]) => JSON.stringify(r.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [id(stack.securityGroups.api), 'GroupId'] }),
    );
    expect(apiIngress).toHaveLength(1);
  });

  test('the HTTPS listener uses the certificate parameter and sends /v1/reports to reporting', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Protocol: 'HTTPS',
      Port: 443,
      Certificates: [{ CertificateArn: { Ref: 'CertificateArn' } }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: id(stack.loadBalancer.routerTargets) } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/v1/reports', '/v1/reports/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: id(stack.loadBalancer.reportingTargets) } }],
    });
  });
});

describe('scaling and schedules', () => {
  test('Running=false stops every service: no task, and no autoscaling back up; a deployment keeps the scaled count', () => {
    const running = id(stack.parameters.running);
    const whenRunning = (n: unknown) => ({ 'Fn::If': [running, n, 0] });
    expect(template.toJSON().Conditions[running]).toEqual({ 'Fn::Equals': [{ Ref: 'Running' }, 'true'] });
    for (const service of [services.router, services.reporting]) {
      expect(all[id(service)].Properties.DesiredCount).toEqual(whenRunning(2));
    }
    // Autoscaled: a deployment leaves the count autoscaling chose (no DesiredCount while running).
    for (const service of [services.api, services.worker]) {
      expect(all[id(service)].Properties.DesiredCount).toEqual(whenRunning({ Ref: 'AWS::NoValue' }));
    }
    const targets = ofType('AWS::ApplicationAutoScaling::ScalableTarget');
    expect(targets).toHaveLength(2);
    for (const [, t] of targets) {
      expect(t.Properties.MinCapacity).toEqual(whenRunning(2));
      expect(t.Properties.MaxCapacity).toEqual(whenRunning(12));
    }
  });


  test('the worker tracks the orders backlog per running task and steps up on the age of the oldest message', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        TargetValue: 1000,
        CustomizedMetricSpecification: {
          Metrics: [
            Match.objectLike({
              Id: 'visible',
              MetricStat: Match.objectLike({
                Metric: Match.objectLike({
                  MetricName: 'ApproximateNumberOfMessagesVisible',
                  Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.queues.orders), 'QueueName'] } }],
                }),
              }),
            }),
            Match.objectLike({ Id: 'tasks', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'RunningTaskCount' }) }) }),
            Match.objectLike({ Id: 'backlogPerTask', Expression: 'visible / MAX([tasks, 1])', ReturnData: true }),
          ],
        },
      }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.queues.orders), 'QueueName'] } }],
      Threshold: 60,
      AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('WorkerTaskCountTargetOldestMessageUpper') })],
    });
  });

  test('the daily export runs at 02:15 UTC on Fargate in the task subnets', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(15 2 * * ? *)',
      Targets: [
        Match.objectLike({
          EcsParameters: Match.objectLike({ LaunchType: 'FARGATE', TaskDefinitionArn: { Ref: id(tasks.exporter.definition) } }),
          RetryPolicy: { MaximumRetryAttempts: 2 },
        }),
      ],
    });
  });

  test('the bootstrap creates both IAM-authenticated roles, idempotently, with the admin password from Secrets Manager', () => {
    const c = containerOf(tasks.bootstrap);
    const sql = c.Command.join('\n');
    expect(sql).toContain("IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'orderflow_app')");
    expect(sql).toContain('GRANT rds_iam TO orderflow_app, orderflow_reporting');
    expect(c.Secrets).toEqual([
      { Name: 'PGPASSWORD', ValueFrom: { 'Fn::Join': ['', [{ Ref: id(stack.database.cluster.secret as any) }, ':password::']] } },
    ]);
    expect(envOf(tasks.bootstrap)).toMatchObject({ PGUSER: 'orderflow_admin', PGSSLMODE: 'require' });
  });
});
