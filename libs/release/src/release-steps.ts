/** The default canary schedule and window. */
export const DEFAULT_STEPS = [10, 50, 100];
export const DEFAULT_STEP_SECONDS = 300;

/** Problems of a step schedule: 1..20 strictly increasing whole percents in 1..100, ending at 100. */
export function stepProblems(steps: unknown): string | null {
  if (!Array.isArray(steps) || steps.length < 1 || steps.length > 20) return 'must be 1 to 20 percents';
  if (!steps.every((step) => Number.isInteger(step) && step >= 1 && step <= 100)) return 'must be whole percents between 1 and 100';
  if (!steps.every((step, i) => i === 0 || step > steps[i - 1])) return 'must increase strictly';
  if (steps[steps.length - 1] !== 100) return 'must end at 100';
  return null;
}

/** `10,50,100` from the command line. */
export function parseStepList(raw: string): number[] {
  return raw.split(',').map((part) => (/^\s*\d+\s*$/.test(part) ? Number(part) : NaN));
}
