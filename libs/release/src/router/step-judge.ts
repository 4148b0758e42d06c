import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { ReleaseConflictError } from '../release-errors';
import { ReleaseService } from '../release.service';
import type { Rollout } from '../release-types';
import { AnalysisBounds, boundsFor, decideStep } from './step-decision';
import { StepFigures, stepFiguresKey } from './step-figures';
import type { VersionFigures } from './traffic-figures';

export interface StepJudgeOptions {
  releases: ReleaseService;
  redis: Redis;
  logger: Logger;
  /** The configured bounds; a release's own `bounds` override them. */
  defaults: AnalysisBounds;
  /** How long the live figures stay in Redis for `release status`. */
  figuresTtlMs: number;
}

/**
 * One evaluation of a running rollout's step, for any service: both versions' figures over the
 * step window (from whatever measures them: the router's access log, the workers' outcomes),
 * kept in Redis for `release status`, then `decideStep` and the action through ReleaseService,
 * recorded with its reason and figures. Resolves true when the release changed.
 */
export class StepJudge {
  /** (release, step) pairs whose hold is recorded already: one row per step, not one per evaluation. */
  private readonly heldSteps = new Set<string>();

  constructor(private readonly options: StepJudgeOptions) {}

  async judge(rollout: Rollout, measure: (version: string, fromMs: number, toMs: number) => Promise<VersionFigures> | VersionFigures): Promise<boolean> {
    const now = Date.now();
    const from = Date.parse(rollout.stepStartedAt);
    const figures: StepFigures = {
      releaseId: rollout.id,
      stepIndex: rollout.stepIndex,
      window: { from: new Date(from).toISOString(), to: new Date(now).toISOString() },
      stable: { version: rollout.stableVersion, ...(await measure(rollout.stableVersion, from, now)) },
      candidate: { version: rollout.candidateVersion, ...(await measure(rollout.candidateVersion, from, now)) },
    };
    await this.options.redis.set(stepFiguresKey(rollout.id), JSON.stringify(figures), 'PX', this.options.figuresTtlMs);
    const bounds = boundsFor(this.options.defaults, rollout.bounds);
    const decision = decideStep({
      nowMs: now,
      stepStartedAtMs: from,
      stepSeconds: rollout.stepSeconds,
      isLastStep: rollout.stepIndex === rollout.steps.length - 1,
      stable: figures.stable,
      candidate: figures.candidate,
      bounds,
    });
    const recorded = { ...figures, bounds };
    const log = this.options.logger.child({ release: rollout.id, service: rollout.service, step: rollout.stepIndex, candidate: rollout.candidateVersion });
    try {
      switch (decision.action) {
        case 'watch':
          return false;
        case 'hold': {
          const key = `${rollout.id}:${rollout.stepIndex}`;
          if (this.heldSteps.has(key)) return false;
          await this.options.releases.recordDecision(rollout.id, 'hold', decision.reason, recorded);
          this.heldSteps.add(key);
          log.info({ figures: recorded }, `release step held: ${decision.reason}`);
          return false;
        }
        case 'advance':
        case 'complete':
          await this.options.releases.advance(rollout.id, decision.reason, recorded, rollout.stepIndex);
          log.info({ figures: recorded }, `release step ${decision.action}d: ${decision.reason}`);
          return true;
        case 'abort':
          await this.options.releases.abort(rollout.id, decision.reason, recorded);
          log.warn({ figures: recorded }, `release aborted: ${decision.reason}`);
          return true;
      }
    } catch (error) {
      // An operator (or a controller elected just before us) changed the release first: its state wins.
      if (error instanceof ReleaseConflictError) return false;
      throw error;
    }
  }
}
