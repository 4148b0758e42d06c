import { Aws } from 'aws-cdk-lib';
import { Buckets } from './buckets';
import { Database, APP_DB_USER, DB_NAME, DB_PORT, REPORTING_DB_USER } from './database';
import { Keys } from './keys';
import { Queues } from './queues';
import { APP_PORT } from './security-groups';

/** The RDS CA bundle, shipped in the image (issue 16) for DATABASE_TLS=verify-full. */
export const RDS_CA_FILE = '/app/certs/rds-global-bundle.pem';

/**
 * The environment variables of the README's configuration table, grouped by what they reach, so
 * that each program gets only the groups it uses.
 */
export class AppEnvironment {
  constructor(
    private readonly deps: { envName: string; database: Database; queues: Queues; buckets: Buckets; keys: Keys },
  ) {}

  common(version: string): Record<string, string> {
    return {
      ORDERFLOW_ENV: this.deps.envName,
      ORDERFLOW_VERSION: version,
      AWS_REGION: Aws.REGION,
      PORT: String(APP_PORT),
      LOG_LEVEL: 'info',
    };
  }

  /** The writer endpoint as the apps' role, IAM token authentication, TLS verified against the RDS CA. */
  writer(): Record<string, string> {
    return {
      DATABASE_URL: `postgres://${APP_DB_USER}@${this.deps.database.writerHost}:${DB_PORT}/${DB_NAME}`,
      ...this.databaseSecurity(),
    };
  }

  /** The reader endpoint as the SELECT-only role. */
  reader(): Record<string, string> {
    return {
      DATABASE_REPLICA_URL: `postgres://${REPORTING_DB_USER}@${this.deps.database.readerHost}:${DB_PORT}/${DB_NAME}`,
      ...this.databaseSecurity(),
    };
  }

  ordersQueue(): Record<string, string> {
    return { ORDERS_QUEUE_URL: this.deps.queues.orders.queueUrl };
  }

  allQueues(): Record<string, string> {
    return {
      ORDERS_QUEUE_URL: this.deps.queues.orders.queueUrl,
      ORDERS_DLQ_URL: this.deps.queues.ordersDlq.queueUrl,
      ORDER_EVENTS_QUEUE_URL: this.deps.queues.events.queueUrl,
    };
  }

  reports(): Record<string, string> {
    return { REPORTS_BUCKET: this.deps.buckets.reports.bucketName };
  }

  /** The object key of an app's bundle: <env>/<app>.bundle in the bundles bucket. */
  bundleKey(app: string): string {
    return `${this.deps.envName}/${app}.bundle`;
  }

  bundle(app: string): Record<string, string> {
    return {
      SECRETS_BUNDLES: `s3://${this.deps.buckets.bundles.bucketName}/${this.bundleKey(app)}`,
      SECRETS_KMS_KEY_ID: this.deps.keys.bundles.keyArn,
    };
  }

  private databaseSecurity(): Record<string, string> {
    return { DATABASE_IAM_AUTH: 'true', DATABASE_TLS: 'verify-full', DATABASE_CA_FILE: RDS_CA_FILE };
  }
}
