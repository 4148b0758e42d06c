import { formatStepFigures } from './step-figures';

describe('formatStepFigures', () => {
  it('puts stable and candidate side by side', () => {
    const version = (v: string, requests: number, errors5xx: number, p95Ms: number | null) => ({
      version: v, requests, errors5xx, errorRate: requests ? errors5xx / requests : 0, timeouts: 0, timeoutRate: 0, p95Ms,
    });
    expect(
      formatStepFigures({
        releaseId: 'r', stepIndex: 0, window: { from: 'A', to: 'B' },
        stable: version('1.0.0', 200, 0, 12.5), candidate: version('2.0.0', 40, 2, null),
      }, ''),
    ).toEqual([
      'window A .. B',
      '                    stable 1.0.0   candidate 2.0.0',
      'requests            200            40',
      '5xx rate            0.00% (0)      5.00% (2)',
      'p95                 12.5 ms        -',
      'upstream timeouts   0 (0.00%)      0 (0.00%)',
    ]);
  });

  it('leaves other figures alone', () => {
    expect(formatStepFigures({ note: 'operator' })).toBeNull();
    expect(formatStepFigures(null)).toBeNull();
  });
});
