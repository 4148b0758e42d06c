import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { buildApp } from '../../lib/app';

/** The app as `cdk synth` builds it (same entry point), synthesised into a scratch directory. */
export function synthOrderflow(context: Record<string, unknown> = {}) {
  const { app, stack } = buildApp({ outdir: mkdtempSync(join(tmpdir(), 'orderflow-cdk-')), context });
  const template = Template.fromStack(stack);
  /** The logical id of a construct's CloudFormation resource, to match references exactly. */
  const id = (construct: IConstruct) => stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  return { app, stack, template, id, ...resources(template) };
}

let shared: ReturnType<typeof synthOrderflow> | undefined;

/** One synthesis of the default app, shared by every template check of a test file. */
export function orderflow(): ReturnType<typeof synthOrderflow> {
  shared ??= synthOrderflow();
  return shared;
}

export type Resource = { Type: string; Properties: Record<string, any>; Condition?: string };

function resources(template: Template) {
  const all = template.toJSON().Resources as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(all).filter(([, r]) => r.Type === type);
  return { all, ofType };
}

export type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, any> };

/** The statements of every IAM policy attached to a role (by the role's logical id). */
export function statementsOf(all: Record<string, Resource>, roleLogicalId: string): Statement[] {
  return Object.values(all)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles ?? []).some((role: any) => role.Ref === roleLogicalId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}

export const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Every action a role may do, each with the resources it may do it on (as JSON, for comparison). */
export function permissionsOf(statements: Statement[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const s of statements) {
    const resources = (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map((r) => JSON.stringify(r));
    for (const action of actionsOf(s)) map.set(action, [...(map.get(action) ?? []), ...resources]);
  }
  return map;
}

export const getAtt = (logicalId: string, attribute = 'Arn') => JSON.stringify({ 'Fn::GetAtt': [logicalId, attribute] });

export type { Stack };
