import { CfnParameter } from 'aws-cdk-lib';
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
      minValue: 1,
      maxValue: 50,
      description: 'API tasks of the candidate version while CandidateImageTag is set',
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
  }
}
