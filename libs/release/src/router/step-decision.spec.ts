import { AnalysisBounds, StepInput, boundsFor, decideStep } from './step-decision';
import { VersionFigures } from './traffic-figures';

const bounds: AnalysisBounds = { maxErrorRateDelta: 0.01, maxTimeoutRateDelta: 0.01, maxP95Ratio: 1.5, p95FloorMs: 50, minRequests: 100 };
const figures = (requests: number, errors5xx = 0, p95Ms: number | null = 20, timeouts = 0): VersionFigures => ({
  requests,
  errors5xx,
  errorRate: requests ? errors5xx / requests : 0,
  timeouts,
  timeoutRate: requests ? timeouts / requests : 0,
  p95Ms,
});
const step = (overrides: Partial<StepInput>): StepInput => ({
  nowMs: 200_000,
  stepStartedAtMs: 100_000,
  stepSeconds: 60,
  isLastStep: false,
  stable: figures(1000),
  candidate: figures(200),
  bounds,
  ...overrides,
});
const during = { nowMs: 130_000 };

describe('decideStep', () => {
  it('advances a candidate within bounds when the window ends, and completes at the last step', () => {
    expect(decideStep(step({})).action).toBe('advance');
    expect(decideStep(step({ isLastStep: true })).action).toBe('complete');
    expect(decideStep(step({})).reason).toMatch(/within bounds over 60 s: 5xx 0.00% vs 0.00%, p95 20 ms vs 20 ms/);
  });

  it('keeps watching while the window is open and the candidate is within bounds', () => {
    expect(decideStep(step(during)).action).toBe('watch');
  });

  it('aborts at once, mid-window, when the 5xx rate exceeds stable by more than the bound', () => {
    const decision = decideStep(step({ ...during, stable: figures(1000, 5), candidate: figures(200, 4) }));
    expect(decision).toEqual({ action: 'abort', reason: '5xx rate 2.00% vs stable 0.50%: more than 1.00% above' });
  });

  it('tolerates a 5xx rate within the bound above stable', () => {
    expect(decideStep(step({ stable: figures(1000, 10), candidate: figures(200, 3) })).action).toBe('advance');
  });

  it('aborts on upstream timeouts even when the retries hid them from clients', () => {
    const decision = decideStep(step({ ...during, candidate: figures(200, 0, 20, 5) }));
    expect(decision.action).toBe('abort');
    expect(decision.reason).toMatch(/^upstream timeouts 5 \(2.50%\)/);
  });

  it('aborts a p95 above the ratio of stable, but never below the floor', () => {
    expect(decideStep(step({ stable: figures(1000, 0, 100), candidate: figures(200, 0, 151) })).action).toBe('abort');
    expect(decideStep(step({ stable: figures(1000, 0, 100), candidate: figures(200, 0, 149) })).action).toBe('advance');
    // stable at 5 ms, candidate at 70 ms: 14x, but under floor 50 ms x 1.5
    expect(decideStep(step({ stable: figures(1000, 0, 5), candidate: figures(200, 0, 70) })).action).toBe('advance');
  });

  it('holds at the window end without enough candidate traffic, and never aborts on too little evidence', () => {
    expect(decideStep(step({ candidate: figures(99, 99) }))).toEqual({
      action: 'hold',
      reason: 'only 99 candidate requests in the window, 100 needed to judge',
    });
    expect(decideStep(step({ ...during, candidate: figures(99, 99) })).action).toBe('watch');
  });

  it('compares with zero when stable is too quiet (the 100% step), and does not judge p95 then', () => {
    expect(decideStep(step({ stable: figures(3, 0, 5), candidate: figures(500, 0, 900) })).action).toBe('advance');
    expect(decideStep(step({ stable: figures(3, 3, 5), candidate: figures(500, 6) })).action).toBe('abort');
  });
});

describe('boundsFor', () => {
  it("takes a release's own numeric bounds over the defaults, ignoring anything else", () => {
    expect(boundsFor(bounds, { maxP95Ratio: 3, minRequests: 'many', other: 1, maxErrorRateDelta: -1 })).toEqual({ ...bounds, maxP95Ratio: 3 });
    expect(boundsFor(bounds, undefined)).toEqual(bounds);
  });
});
