/**
 * The template checks, against one synthesis of the app (a synthesis costs seconds):
 * data at rest and queues, services and IAM, alarms, and cdk-nag.
 */
import './template/data';
import './template/services';
import './template/alarms';
import './template/nag';
