import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { APP_PORT } from './security-groups';

export const CONTAINER_NAME = 'orderflow';

export interface AppTaskProps {
  /** The program and its arguments, as docker/entrypoint.sh takes them (`api`, `migrate`...). */
  readonly command: string[];
  readonly image: ecs.ContainerImage;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly environment: Record<string, string>;
  readonly secrets?: Record<string, ecs.Secret>;
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** Long-running HTTP program: port mapping and a liveness check. */
  readonly http?: boolean;
  /**
   * Registers itself in the instance registry (issue 9): ADVERTISE_HOST must be the task's own
   * address, which only the task metadata endpoint knows (awsvpc), so it is read there at start.
   */
  readonly advertise?: boolean;
  /** Time between SIGTERM and SIGKILL (ECS default 30 s, at most 120 s on Fargate). */
  readonly stopTimeout?: Duration;
  /** The router writes nginx configuration and temp files; the apps write nothing. */
  readonly writableRootFilesystem?: boolean;
  readonly entryPoint?: string[];
  /** Not the Orderflow image from ECR (the database bootstrap runs psql from the PostgreSQL image). */
  readonly foreignImage?: boolean;
}

/**
 * One Orderflow program as a Fargate task definition: the one image, its command, its
 * environment, its own log group (KMS, retention) and its own task role.
 */
export class AppTask extends Construct {
  readonly definition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AppTaskProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.definition = new ecs.FargateTaskDefinition(this, 'Definition', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.LINUX, cpuArchitecture: ecs.CpuArchitecture.X86_64 },
    });
    const readOnly = !props.writableRootFilesystem;
    let entryPoint = props.entryPoint;
    let command = props.command;
    if (props.advertise) {
      entryPoint = ['/bin/sh', '-c'];
      command = [advertiseTaskAddress(props.command)];
    }
    this.container = this.definition.addContainer(CONTAINER_NAME, {
      image: props.image,
      entryPoint,
      command,
      environment: props.environment,
      secrets: props.secrets,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: id.toLowerCase(), mode: ecs.AwsLogDriverMode.NON_BLOCKING }),
      readonlyRootFilesystem: readOnly,
      stopTimeout: props.stopTimeout,
      portMappings: props.http ? [{ containerPort: APP_PORT, protocol: ecs.Protocol.TCP }] : undefined,
      healthCheck: props.http
        ? {
            command: ['CMD', 'node', '/app/docker/healthcheck.js', '/health/live'],
            interval: Duration.seconds(15),
            timeout: Duration.seconds(5),
            retries: 3,
            startPeriod: Duration.seconds(30),
          }
        : undefined,
    });
    if (readOnly) {
      // Node and the AWS SDK may still want a scratch directory.
      this.definition.addVolume({ name: 'tmp' });
      this.container.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
    }
    // Only an ECR image needs it: the registry's token is account-wide by design.
    const executionRole = this.definition.executionRole;
    if (executionRole && props.entryPoint === undefined && !props.foreignImage) {
      Validations.of(executionRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken has no resource-level permission (Resource must be *); image pulls themselves are limited to the Orderflow repository.',
      });
    }
    Validations.of(this.definition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds endpoints, names and switches only; secrets come from Secrets Manager (ECS secrets) ' +
        'or from the KMS-encrypted bundles, and database access uses IAM tokens.',
    });
  }
}

/** How the image starts a program (its ENTRYPOINT): tini as PID 1, then docker/entrypoint.sh. */
export const IMAGE_LAUNCHER = '/usr/bin/tini -- /usr/local/bin/orderflow';

/**
 * A shell line: ADVERTISE_HOST from the task metadata (the task's private IP), then the program,
 * exec'd so that it stays PID 1 and gets the signals. A failed lookup stops the task before the
 * program starts (it would register an address nobody can reach).
 */
export function advertiseTaskAddress(command: string[], launcher = IMAGE_LAUNCHER): string {
  const readAddress =
    "node -e 'fetch(process.env.ECS_CONTAINER_METADATA_URI_V4).then((r) => r.json())" +
    ".then((m) => console.log(m.Networks[0].IPv4Addresses[0]))'";
  return `set -e; ADVERTISE_HOST="$(${readAddress})"; export ADVERTISE_HOST; exec ${launcher} ${command.join(' ')}`;
}
