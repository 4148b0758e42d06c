import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { ReleaseService } from './release.service';
import { ControllerElection, WORKER_CONTROLLER_LOCK_ID } from './router/controller-election';
import { AnalysisBounds } from './router/step-decision';
import { StepJudge } from './router/step-judge';
import { WorkerFigures } from './worker-figures';

/**
 * The release controller of the worker service, run by every worker and acting in one (a
 * PostgreSQL advisory lock of its own): every `everyMs`, each running worker rollout's step is
 * judged on the workers' figures (WorkerFigures) with the same decision and bounds as the API's,
 * so a failing or slow candidate is aborted by itself and a healthy one advances.
 */
export class WorkerReleaseController {
  private readonly election: ControllerElection;
  private readonly judge: StepJudge;
  private timer?: NodeJS.Timeout;
  private deciding = false;

  constructor(
    db: DataSource,
    redis: Redis,
    private readonly releases: ReleaseService,
    private readonly figures: WorkerFigures,
    bounds: AnalysisBounds,
    private readonly logger: Logger,
    private readonly everyMs = 2000,
  ) {
    this.election = new ControllerElection(db, WORKER_CONTROLLER_LOCK_ID);
    this.judge = new StepJudge({ releases, redis, logger, defaults: bounds, figuresTtlMs: Math.max(5000, everyMs * 5) });
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.election.resign();
  }

  private async tick(): Promise<void> {
    if (this.deciding) return;
    this.deciding = true;
    try {
      if (!(await this.election.isLeader())) return;
      const { rollouts } = await this.releases.getRoutingState();
      for (const rollout of rollouts) {
        if (rollout.service !== 'worker' || rollout.status !== 'running') continue;
        // Outcomes of the last second may still be in other workers' memory: judge up to then.
        await this.judge.judge(rollout, (version, from, to) => this.figures.figures(version, from, to - 1000));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'worker release analysis failed; retrying at the next tick');
    } finally {
      this.deciding = false;
    }
  }
}
