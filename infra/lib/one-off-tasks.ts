import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AppTask } from './app-task';
import { Buckets } from './buckets';
import { ADMIN_DB_USER, APP_DB_USER, Database, DB_NAME, DB_PORT, REPORTING_DB_USER } from './database';
import { AppEnvironment } from './environment';
import { consumeQueue, sendToQueue, writeExports } from './grants';
import { Keys } from './keys';
import { Queues } from './queues';
import { SecurityGroups } from './security-groups';

export interface OneOffTasksProps {
  readonly cluster: ecs.Cluster;
  readonly subnets: ec2.SubnetSelection;
  readonly image: ecs.ContainerImage;
  readonly version: string;
  readonly securityGroups: SecurityGroups;
  readonly database: Database;
  readonly queues: Queues;
  readonly buckets: Buckets;
  readonly keys: Keys;
  readonly environment: AppEnvironment;
  readonly logRetention: logs.RetentionDays;
}

/** Where the daily export writes in the reports bucket (the program's default destination). */
export const EXPORT_PREFIX = 'orders/';

/**
 * Programs that run and exit: the database bootstrap (once per cluster), the migration (before a
 * deploy: `aws ecs run-task`, docs/deploy-aws.md), the dead-letter tool, and the daily export,
 * started by an EventBridge schedule at 02:15 UTC.
 */
export class OneOffTasks extends Construct {
  readonly bootstrap: AppTask;
  readonly migrate: AppTask;
  readonly dlq: AppTask;
  readonly exporter: AppTask;
  readonly exportSchedule: events.Rule;

  constructor(scope: Construct, id: string, props: OneOffTasksProps) {
    super(scope, id);
    const env = props.environment;
    const common = { image: props.image, logKey: props.keys.data, logRetention: props.logRetention };
    const small = { cpu: 256, memoryMiB: 512 };

    this.migrate = new AppTask(this, 'Migrate', {
      ...common,
      ...small,
      command: ['migrate'],
      environment: { ...env.common(props.version), ...env.writer() },
    });
    props.database.grantConnect(this.migrate.definition.taskRole, APP_DB_USER);

    this.dlq = new AppTask(this, 'Dlq', {
      ...common,
      ...small,
      command: ['dlq', 'list'],
      environment: { ...env.common(props.version), ...env.allQueues() },
    });
    consumeQueue(this.dlq.definition.taskRole, props.queues.ordersDlq, props.keys.data);
    sendToQueue(this.dlq.definition.taskRole, props.queues.orders, props.keys.data);

    this.exporter = new AppTask(this, 'Export', {
      ...common,
      cpu: 512,
      memoryMiB: 1024,
      command: ['report:export', '--from', 'yesterday', '--to', 'yesterday'],
      environment: { ...env.common(props.version), ...env.reader(), ...env.reports() },
    });
    props.database.grantConnect(this.exporter.definition.taskRole, REPORTING_DB_USER);
    writeExports(this.exporter.definition.taskRole, props.buckets.reports, EXPORT_PREFIX, props.keys.data);
    Validations.of(this.exporter.definition.taskRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::<BucketsReportsE712E931.Arn>/orders/*]',
      reason: 'One object per day under orders/ (orders_<from>_<to>.csv): the keys are not known in advance; only PutObject and AbortMultipartUpload, no read or delete.',
    });
    const scheduleRole = new iam.Role(this, 'ExportScheduleRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'EventBridge: run the daily export task',
    });
    this.exportSchedule = new events.Rule(this, 'DailyExport', {
      description: "Orderflow: yesterday's orders (UTC) to the reports bucket",
      schedule: events.Schedule.cron({ minute: '15', hour: '2' }),
      targets: [
        new targets.EcsTask({
          cluster: props.cluster,
          taskDefinition: this.exporter.definition,
          launchType: ecs.LaunchType.FARGATE,
          platformVersion: ecs.FargatePlatformVersion.LATEST,
          subnetSelection: props.subnets,
          securityGroups: [props.securityGroups.exporter],
          retryAttempts: 2,
          role: scheduleRole,
        }),
      ],
    });
    Validations.of(scheduleRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:*:task/<ClusterEB0386A7>/*]',
      reason: "Tagging the task it starts: task ids are known only once it runs; limited to this cluster's tasks.",
    });

    // The roles the apps log in as, with IAM authentication, before the first migration. psql from
    // the PostgreSQL image, as the admin user whose password only this task's execution role reads.
    const adminSecret = props.database.cluster.secret!;
    this.bootstrap = new AppTask(this, 'DbBootstrap', {
      ...common,
      ...small,
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/postgres:15-bookworm'),
      foreignImage: true,
      command: ['psql', '-v', 'ON_ERROR_STOP=1', ...BOOTSTRAP_SQL.flatMap((sql) => ['-c', sql])],
      environment: {
        PGHOST: props.database.writerHost,
        PGPORT: String(DB_PORT),
        PGDATABASE: DB_NAME,
        PGUSER: ADMIN_DB_USER,
        // The stock image has no RDS CA bundle: encrypted, not verified (the apps verify).
        PGSSLMODE: 'require',
      },
      secrets: { PGPASSWORD: ecs.Secret.fromSecretsManager(adminSecret, 'password') },
    });
  }
}

/**
 * Idempotent: run on a new cluster before the first migration; again is harmless. The migrations
 * (libs/persistence) then create the schema as orderflow_app and give orderflow_reporting SELECT.
 */
export const BOOTSTRAP_SQL = [
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${APP_DB_USER}') THEN CREATE ROLE ${APP_DB_USER} LOGIN CREATEROLE; END IF;
     IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${REPORTING_DB_USER}') THEN
       CREATE ROLE ${REPORTING_DB_USER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
     END IF;
   END $$`,
  `GRANT rds_iam TO ${APP_DB_USER}, ${REPORTING_DB_USER}`,
  `GRANT ${APP_DB_USER} TO CURRENT_USER`,
  `ALTER DATABASE ${DB_NAME} OWNER TO ${APP_DB_USER}`,
];
