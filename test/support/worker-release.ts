import { SQSClient } from '@aws-sdk/client-sqs';
import { DataSource } from 'typeorm';
import { inCandidateGroup } from '@orderflow/release/assignment';
import { VersionQueues } from '@orderflow/messaging/version-routing/version-queues';
import { AppProcess } from './app-process';
import { queueDepth, QueueEnv } from './sqs-helpers';
import { startWorkerProcess } from './worker-process';
import { TestStack } from './test-stack';

/** A worker of `version` with version queues on, against one test's queues. */
export function startVersionedWorker(stack: TestStack, name: string, version: string, q: QueueEnv, env: Record<string, string> = {}): Promise<AppProcess> {
  return startWorkerProcess(stack, name, { ...q, ORDERFLOW_VERSION: version, WORKER_VERSION_QUEUES: 'true', INSTANCE_TTL_SECONDS: '3', ...env });
}

/** One change of who gets the candidate: from `at` on, `percent` of the buckets (100 after completion means everyone). */
interface Step {
  at: number;
  percent: number;
}

/**
 * The worker assignment of a release over time, rebuilt from PostgreSQL (its start, then each
 * decision: advance, complete, abort), with the same bucket function as the workers.
 */
export class AssignmentHistory {
  private constructor(
    readonly releaseId: string,
    readonly stableVersion: string,
    readonly candidateVersion: string,
    readonly steps: Step[],
  ) {}

  static async load(db: DataSource, releaseId: string): Promise<AssignmentHistory> {
    const [release] = await db.query(`SELECT id, stable_version, candidate_version, steps, created_at FROM releases WHERE id = $1`, [releaseId]);
    const decisions: Array<{ at: Date; step_index: number; action: string }> = await db.query(
      `SELECT at, step_index, action FROM release_decisions WHERE release_id = $1 AND action <> 'hold' ORDER BY id`,
      [releaseId],
    );
    const steps: Step[] = [{ at: new Date(release.created_at).getTime(), percent: release.steps[0] }];
    for (const decision of decisions) {
      const percent = decision.action === 'abort' ? 0 : decision.action === 'complete' ? 100 : release.steps[decision.step_index + 1];
      steps.push({ at: new Date(decision.at).getTime(), percent });
    }
    return new AssignmentHistory(release.id, release.stable_version, release.candidate_version, steps);
  }

  versionAt(customerId: string, at: number): string {
    let percent = 0;
    for (const step of this.steps) if (step.at <= at) percent = step.percent;
    return inCandidateGroup(this.releaseId, customerId, percent) ? this.candidateVersion : this.stableVersion;
  }

  /** The customer's assignment changes within [at - before, at + after]: a processing at `at` may have seen either side. */
  changesNear(customerId: string, at: number, beforeMs: number, afterMs: number): string[] {
    const versions = new Set<string>([this.versionAt(customerId, at)]);
    for (const step of this.steps) {
      if (step.at >= at - beforeMs && step.at <= at + afterMs) {
        versions.add(this.versionAt(customerId, step.at - 1));
        versions.add(this.versionAt(customerId, step.at));
      }
    }
    return [...versions];
  }
}

/** Every queue of the run: ingress, its DLQ, each version queue and version DLQ, with what is still on it. */
export async function leftOnQueues(sqs: SQSClient, q: QueueEnv): Promise<Record<string, number>> {
  const queues = new VersionQueues(sqs, q.ORDERS_QUEUE_URL);
  const urls = [q.ORDERS_QUEUE_URL, q.ORDERS_DLQ_URL, ...(await queues.queueUrls()), ...(await queues.deadLetterQueueUrls())];
  const left: Record<string, number> = {};
  for (const url of urls) {
    const depth = await queueDepth(sqs, url);
    left[url.slice(url.lastIndexOf('/') + 1)] = depth.visible + depth.inFlight;
  }
  return left;
}

/** The sum of a counter over the given workers' /metrics (a killed worker's count is lost with it). */
export async function sumMetric(workers: AppProcess[], name: string): Promise<number> {
  let total = 0;
  for (const worker of workers) {
    const text = await (await fetch(`${worker.url}/metrics`)).text().catch(() => '');
    for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) total += Number(match[1]);
  }
  return total;
}
