import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DB_PORT } from './database';
import { REDIS_PORT } from './cache';

/** The port every Orderflow HTTP program listens on in its container (PORT). */
export const APP_PORT = 3000;

/**
 * Who talks to whom, as the architecture says, and nothing else (every group starts with no
 * ingress and no egress):
 *
 *   internet --443--> alb --3000--> router --3000--> api
 *                     alb --3000--> reporting
 *   router, api, worker, migrate, dlq, bootstrap, rotation --5432--> database (writer endpoint)
 *   reporting, export --5432--> database (reader endpoint; see docs/deploy-aws.md for the limit)
 *   router, api, worker --6379--> cache
 *   every task --443--> AWS APIs (SQS, S3, KMS, Secrets Manager, ECR, CloudWatch Logs)
 */
export class SecurityGroups extends Construct {
  readonly alb: ec2.SecurityGroup;
  readonly router: ec2.SecurityGroup;
  readonly api: ec2.SecurityGroup;
  readonly worker: ec2.SecurityGroup;
  readonly reporting: ec2.SecurityGroup;
  readonly migrate: ec2.SecurityGroup;
  readonly exporter: ec2.SecurityGroup;
  readonly dlq: ec2.SecurityGroup;
  readonly bootstrap: ec2.SecurityGroup;
  readonly dbRotation: ec2.SecurityGroup;
  readonly database: ec2.SecurityGroup;
  readonly cache: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: { vpc: ec2.IVpc }) {
    super(scope, id);
    const group = (name: string, description: string) =>
      new ec2.SecurityGroup(this, name, { vpc: props.vpc, description: `Orderflow ${description}`, allowAllOutbound: false });
    this.alb = group('Alb', 'load balancer: HTTPS from the internet');
    this.router = group('Router', 'router (nginx + release controller)');
    this.api = group('Api', 'API tasks');
    this.worker = group('Worker', 'worker tasks');
    this.reporting = group('Reporting', 'reporting tasks');
    this.migrate = group('Migrate', 'migration task');
    this.exporter = group('Export', 'daily export task');
    this.dlq = group('Dlq', 'dead-letter tool task');
    this.bootstrap = group('Bootstrap', 'database bootstrap task');
    this.dbRotation = group('DbRotation', 'rotation of the database admin password');
    this.database = group('Database', 'Aurora PostgreSQL');
    this.cache = group('Cache', 'ElastiCache locks');

    const appPort = ec2.Port.tcp(APP_PORT);
    this.alb.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from storefronts');
    this.alb.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP, redirected to HTTPS');
    Validations.of(this.alb).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The public load balancer is the entry point of storefronts on the internet; it serves HTTPS (and redirects HTTP) only.',
    });
    this.alb.connections.allowTo(this.router, appPort, 'to the router');
    this.alb.connections.allowTo(this.reporting, appPort, 'to the reporting service');
    this.router.connections.allowTo(this.api, appPort, 'to API instances of every version');

    const dbPort = ec2.Port.tcp(DB_PORT);
    for (const [client, name] of [
      [this.router, 'router'],
      [this.api, 'api'],
      [this.worker, 'worker'],
      [this.migrate, 'migrate'],
      [this.dlq, 'dlq'],
      [this.bootstrap, 'bootstrap'],
      [this.dbRotation, 'the admin password rotation'],
      [this.reporting, 'reporting'],
      [this.exporter, 'export'],
    ] as const) {
      client.connections.allowTo(this.database, dbPort, `PostgreSQL from ${name}`);
    }
    const redisPort = ec2.Port.tcp(REDIS_PORT);
    for (const [client, name] of [
      [this.router, 'router'],
      [this.api, 'api'],
      [this.worker, 'worker'],
    ] as const) {
      client.connections.allowTo(this.cache, redisPort, `Redis from ${name}`);
    }
    // AWS APIs and image pulls go over HTTPS, through the NAT gateways (S3 through its endpoint).
    for (const task of [this.router, this.api, this.worker, this.reporting, this.migrate, this.exporter, this.dlq, this.bootstrap, this.dbRotation]) {
      task.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs and image registry over HTTPS');
    }
  }
}
