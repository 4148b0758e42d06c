import { Aws, CfnCondition, CfnParameter, Fn, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';

const TAG_PATTERN = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';

/**
 * What changes from one deployment to the next, as CloudFormation parameters (so one synthesised
 * template serves every release): the image and its tags, the release's candidate, the certificate.
 * What shapes the system (sizes, counts, environment name) is synthesis context instead.
 */
export class Parameters extends Construct {
  readonly imageRepository: string;
  readonly imageTag: string;
  readonly candidateImageTag: string;
  readonly candidateApiTasks: number;
  readonly certificateArn: string;
  readonly alarmEmail: string;
  /** True while a release runs: CandidateImageTag is not empty. */
  readonly hasCandidate: CfnCondition;
  /** False on the first deployment (before the database bootstrap and migration) and to stop everything. */
  readonly running: CfnCondition;
  readonly candidateRunning: CfnCondition;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = scope;
    this.imageRepository = new CfnParameter(stack, 'ImageRepository', {
      type: 'String',
      default: 'orderflow',
      description: 'ECR repository of the Orderflow image (docker/Dockerfile), in this account and region',
      allowedPattern: '[a-z0-9][a-z0-9._/-]{1,255}',
    }).valueAsString;
    this.imageTag = new CfnParameter(stack, 'ImageTag', {
      type: 'String',
      description: 'Stable version: the image tag every service runs (also ORDERFLOW_VERSION)',
      allowedPattern: TAG_PATTERN,
    }).valueAsString;
    this.candidateImageTag = new CfnParameter(stack, 'CandidateImageTag', {
      type: 'String',
      default: '',
      description: "Candidate API version during a release (the router sends it the rollout's customers); empty when none",
      allowedPattern: `^$|^${TAG_PATTERN}$`,
    }).valueAsString;
    this.candidateApiTasks = new CfnParameter(stack, 'CandidateApiTasks', {
      type: 'Number',
      default: 2,
      minValue: 0,
      maxValue: 50,
      description: 'API tasks of the candidate version while CandidateImageTag is set (0: migrate first)',
    }).valueAsNumber;
    this.certificateArn = new CfnParameter(stack, 'CertificateArn', {
      type: 'String',
      description: 'ACM certificate of the HTTPS listener (the API host name)',
      allowedPattern: 'arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+',
    }).valueAsString;
    this.alarmEmail = new CfnParameter(stack, 'AlarmEmail', {
      type: 'String',
      default: '',
      description: 'E-mail address subscribed to the alarm topic; empty for none',
    }).valueAsString;
    const running = new CfnParameter(stack, 'Running', {
      type: 'String',
      default: 'true',
      allowedValues: ['true', 'false'],
      description: 'false: every service at 0 tasks (first deployment, before bootstrap and migration)',
    }).valueAsString;
    this.hasCandidate = new CfnCondition(stack, 'HasCandidate', {
      expression: Fn.conditionNot(Fn.conditionEquals(this.candidateImageTag, '')),
    });
    this.running = new CfnCondition(stack, 'IsRunning', { expression: Fn.conditionEquals(running, 'true') });
    this.candidateRunning = new CfnCondition(stack, 'CandidateRunning', {
      expression: Fn.conditionAnd(this.running, this.hasCandidate),
    });
  }

  /** The candidate's tag during a release, else the stable one: what the migration runs. */
  get releaseImageTag(): string {
    return Token.asString(Fn.conditionIf(this.hasCandidate.logicalId, this.candidateImageTag, this.imageTag));
  }

  /** `count` while the services run, else 0. */
  whenRunning(count: number, condition: CfnCondition = this.running): number {
    return Token.asNumber(Fn.conditionIf(condition.logicalId, count, 0));
  }

  /**
   * The desired count of an autoscaled service: left out while running (a deployment must not
   * reset what autoscaling chose; the scaling minimum brings a new service up), 0 when stopped.
   */
  get autoscaledWhenRunning(): number {
    return Token.asNumber(Fn.conditionIf(this.running.logicalId, Aws.NO_VALUE, 0));
  }
}
