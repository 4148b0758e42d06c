import { Aws, CfnCondition, CfnMapping, Duration, Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FactName, RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { APP_PORT } from './security-groups';

export interface LoadBalancerProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly certificateArn: string;
  readonly accessLogs: s3.IBucket;
}

/**
 * The public entry point: an internet-facing ALB with HTTPS only (HTTP redirects). Everything goes
 * to the router (nginx, which picks the API version of each customer), except the reports, which
 * go straight to the reporting service.
 */
export class LoadBalancer extends Construct {
  readonly alb: elbv2.ApplicationLoadBalancer;
  readonly https: elbv2.ApplicationListener;
  readonly routerTargets: elbv2.ApplicationTargetGroup;
  readonly reportingTargets: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    this.alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: props.securityGroup,
      dropInvalidHeaderFields: true,
      deletionProtection: true,
      // Long enough for the slowest report; the API answers in milliseconds.
      idleTimeout: Duration.seconds(60),
    });
    this.logAccessTo(props.accessLogs, 'alb');
    this.alb.addRedirect({ sourcePort: 80, targetPort: 443 });

    const targets = (name: string) =>
      new elbv2.ApplicationTargetGroup(this, name, {
        vpc: props.vpc,
        targetType: elbv2.TargetType.IP,
        protocol: elbv2.ApplicationProtocol.HTTP,
        port: APP_PORT,
        // Liveness, not readiness: the API falls back to the queue when PostgreSQL is down, and
        // reporting reports its replica lag itself; taking every target out would serve nothing.
        healthCheck: { path: '/health/live', interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 3 },
        // Apps finish in-flight requests on SIGTERM; the router deregisters from its registry first.
        deregistrationDelay: Duration.seconds(30),
      });
    this.routerTargets = targets('RouterTargets');
    this.reportingTargets = targets('ReportingTargets');

    this.https = this.alb.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultAction: elbv2.ListenerAction.forward([this.routerTargets]),
      open: false,
    });
    this.https.addAction('Reports', {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/v1/reports', '/v1/reports/*'])],
      action: elbv2.ListenerAction.forward([this.reportingTargets]),
    });
  }

  /**
   * Access logs to S3. `logAccessLogs` needs a region at synthesis; this stack has none, so the
   * writer is chosen at deploy time: regions opened before August 2022 deliver as a regional ELB
   * account (CDK's region facts, as a mapping), newer ones as the log delivery service principal.
   */
  private logAccessTo(bucket: s3.IBucket, prefix: string): void {
    const accounts = RegionInfo.regionMap(FactName.ELBV2_ACCOUNT);
    const mapping = new CfnMapping(this, 'ElbLogAccounts', {
      mapping: Object.fromEntries(
        RegionInfo.regions.map((r) => [r.name, { account: accounts[r.name] ?? 'service-principal' }]),
      ),
    });
    const account = mapping.findInMap(Aws.REGION, 'account');
    const legacy = new CfnCondition(this, 'ElbLogsByAccount', {
      expression: Fn.conditionNot(Fn.conditionEquals(account, 'service-principal')),
    });
    const objects = bucket.arnForObjects(`${prefix}/AWSLogs/${Aws.ACCOUNT_ID}/*`);
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [objects],
      }),
    );
    // In a newer region this grants the stack's own account, which may write there anyway.
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ArnPrincipal(Fn.conditionIf(legacy.logicalId, `arn:${Aws.PARTITION}:iam::${account}:root`, `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`).toString())],
        actions: ['s3:PutObject'],
        resources: [objects],
      }),
    );
    this.alb.setAttribute('access_logs.s3.enabled', 'true');
    this.alb.setAttribute('access_logs.s3.bucket', bucket.bucketName);
    this.alb.setAttribute('access_logs.s3.prefix', prefix);
    // The bucket policy must exist before the load balancer checks it can write.
    if (bucket.policy) this.alb.node.addDependency(bucket.policy);
  }
}
