import { App, AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrderflowStack } from './orderflow-stack';
import { resolveSettings } from './settings';

/**
 * The CDK app: one stack per environment (`-c orderflow:env=prod`), checked by cdk-nag's AWS
 * Solutions pack on every synthesis (an unacknowledged finding fails it).
 */
export function buildApp(props: AppProps = {}): { app: App; stack: OrderflowStack } {
  const app = new App(props);
  const settings = resolveSettings(app.node.tryGetContext('orderflow:env'), app.node.tryGetContext('orderflow:settings'));
  const stack = new OrderflowStack(app, `Orderflow-${settings.envName}`, {
    settings,
    description: `Orderflow ${settings.envName}: ECS Fargate, Aurora PostgreSQL, ElastiCache, SQS, S3, KMS`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
