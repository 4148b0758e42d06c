import { Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { orderflow } from '../support/orderflow-template';

/**
 * cdk-nag's AWS Solutions pack over the whole app: nothing unacknowledged, and every
 * acknowledgement is one of the reviewed list below, with its reason.
 */
const { app, stack } = orderflow();

/** Each acknowledged finding: where, which rule, why. */
function acknowledgements(root: IConstruct): { path: string; rule: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([rule, reason]) => ({
          path: c.node.path,
          // aws-cdk-lib records `Validations.acknowledge` ids under its Annotation:: namespace.
          rule: rule.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

test('no AwsSolutions finding is left unacknowledged, errors and warnings alike', () => {
  const report = new AwsSolutionsChecks().validateScope(app);
  expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  expect(report.success).toBe(true);
});

test('every acknowledgement is a reviewed one and gives its reason', () => {
  const acks = acknowledgements(app);
  for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(40);
  const summary = [...new Set(acks.filter((a) => a.rule.startsWith('AwsSolutions-')).map((a) => a.rule))].sort();
  expect(summary).toEqual([
    'AwsSolutions-EC23',
    'AwsSolutions-ECS2',
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
    'AwsSolutions-IAM5[Resource::*]',
    'AwsSolutions-IAM5[Resource::<BucketsReportsE712E931.Arn>/orders/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:*:task/<ClusterEB0386A7>/*]',
    'AwsSolutions-SMG4',
    'AwsSolutions-SQS3',
  ]);
  // Resource::* is acknowledged on execution roles only (ecr:GetAuthorizationToken), never on a task role.
  const wildcard = acks.filter((a) => a.rule.endsWith('AwsSolutions-IAM5[Resource::*]'));
  expect(wildcard.length).toBeGreaterThan(0);
  for (const ack of wildcard) expect(ack.path).toMatch(/\/ExecutionRole$/);
  // Secrets without a Secrets Manager rotation: the two of the cache's AUTH token only.
  expect(acks.filter((a) => a.rule.endsWith('AwsSolutions-SMG4')).map((a) => a.path)).toEqual([
    `${stack.node.path}/Cache/AuthToken`,
    `${stack.node.path}/Cache/Url`,
  ]);
});

test('the pack is live: the same check flags an unencrypted queue without a DLQ', () => {
  const probe = new Stack(undefined, 'Probe');
  new sqs.Queue(probe, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
  const rules = new AwsSolutionsChecks().validateScope(probe).violations.map((v) => v.ruleName);
  expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
});
