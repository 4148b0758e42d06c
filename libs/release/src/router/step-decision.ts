import type { VersionFigures } from './traffic-figures';

/**
 * The automatic canary decision for one step: compare the candidate with stable over the step
 * window and say whether to advance (or complete, at the last step), abort, hold, or keep
 * watching. Pure, so every rule is unit-tested; the controller only acts on the answer.
 *
 * - A bound broken on evidence (the candidate has at least minRequests in the window) aborts at
 *   once, mid-window: waiting for the window's end would only hurt more customers.
 * - At the window's end, within bounds: advance. Too little candidate traffic to judge: hold (the
 *   window keeps growing until there is enough, then the same rules apply).
 * - Stable's figures are the baseline only when stable itself has minRequests in the window (at
 *   100% it has almost none): otherwise the candidate's rates are compared with zero, and its p95
 *   is not judged.
 */

export interface AnalysisBounds {
  /** candidate 5xx rate minus stable's, as a fraction (0.01 = one percentage point) */
  maxErrorRateDelta: number;
  /** candidate upstream-timeout rate minus stable's */
  maxTimeoutRateDelta: number;
  /** candidate p95 / max(stable p95, p95FloorMs) */
  maxP95Ratio: number;
  /** below this, latency differences are noise and never abort */
  p95FloorMs: number;
  /** candidate requests in the window needed to decide anything */
  minRequests: number;
}

export type StepAction = 'advance' | 'complete' | 'abort' | 'hold' | 'watch';

export interface StepDecision {
  action: StepAction;
  reason: string;
}

export interface StepInput {
  nowMs: number;
  stepStartedAtMs: number;
  stepSeconds: number;
  isLastStep: boolean;
  stable: VersionFigures;
  candidate: VersionFigures;
  bounds: AnalysisBounds;
}

const pct = (rate: number) => `${(rate * 100).toFixed(2)}%`;
const msOf = (value: number | null) => (value === null ? 'n/a' : `${value} ms`);

export function decideStep(input: StepInput): StepDecision {
  const { stable, candidate, bounds } = input;
  const windowEnded = input.nowMs >= input.stepStartedAtMs + input.stepSeconds * 1000;
  if (candidate.requests < bounds.minRequests) {
    return windowEnded
      ? { action: 'hold', reason: `only ${candidate.requests} candidate requests in the window, ${bounds.minRequests} needed to judge` }
      : { action: 'watch', reason: 'window open, too few candidate requests yet' };
  }
  const baselineKnown = stable.requests >= bounds.minRequests;
  const baseError = baselineKnown ? stable.errorRate : 0;
  const baseTimeout = baselineKnown ? stable.timeoutRate : 0;
  const versus = baselineKnown ? 'stable' : 'zero (too little stable traffic)';

  if (candidate.errorRate - baseError > bounds.maxErrorRateDelta) {
    return {
      action: 'abort',
      reason: `5xx rate ${pct(candidate.errorRate)} vs ${versus} ${pct(baseError)}: more than ${pct(bounds.maxErrorRateDelta)} above`,
    };
  }
  if (candidate.timeoutRate - baseTimeout > bounds.maxTimeoutRateDelta) {
    return {
      action: 'abort',
      reason: `upstream timeouts ${candidate.timeouts} (${pct(candidate.timeoutRate)}) vs ${versus} ${pct(baseTimeout)}: more than ${pct(bounds.maxTimeoutRateDelta)} above`,
    };
  }
  if (baselineKnown && candidate.p95Ms !== null) {
    const limit = Math.max(stable.p95Ms ?? 0, bounds.p95FloorMs) * bounds.maxP95Ratio;
    if (candidate.p95Ms > limit) {
      return {
        action: 'abort',
        reason: `p95 ${msOf(candidate.p95Ms)} vs stable ${msOf(stable.p95Ms)}: above ${bounds.maxP95Ratio}x (limit ${Math.round(limit)} ms)`,
      };
    }
  }
  if (!windowEnded) return { action: 'watch', reason: 'window open, within bounds so far' };
  const summary = `within bounds over ${input.stepSeconds} s: 5xx ${pct(candidate.errorRate)} vs ${pct(stable.errorRate)}, p95 ${msOf(candidate.p95Ms)} vs ${msOf(stable.p95Ms)}, timeouts ${candidate.timeouts} vs ${stable.timeouts}, ${candidate.requests} vs ${stable.requests} requests${baselineKnown ? '' : ' (stable too quiet to compare p95)'}`;
  return { action: input.isLastStep ? 'complete' : 'advance', reason: summary };
}

/** A release's own bounds (its `bounds` JSON) override the configured defaults field by field. */
export function boundsFor(defaults: AnalysisBounds, overrides: Record<string, unknown> | undefined): AnalysisBounds {
  const merged = { ...defaults };
  for (const name of Object.keys(defaults) as Array<keyof AnalysisBounds>) {
    const value = overrides?.[name];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) merged[name] = value;
  }
  return merged;
}
