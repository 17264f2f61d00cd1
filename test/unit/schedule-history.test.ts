import { durationsFromResults } from '../../src/activities/schedule-history.js';
import type { PipelineResult, StepResult } from '../../src/workflows/types.js';

const step = (index: number, elapsedMs: number, outcome: StepResult['outcome'] = 'succeeded', progressStep?: number) =>
  ({ index, elapsedMs, outcome, progressStep }) as StepResult;
const run = (...steps: StepResult[]): Pick<PipelineResult, 'steps'> => ({ steps });

describe("a schedule's recent runs as a duration prior", () => {
  it('gives each step the median and the shortest of its successful times', () => {
    const prior = durationsFromResults(
      [
        run(step(0, 60_000, 'succeeded', 1), step(1, 5_000, 'succeeded', 0)),
        run(step(0, 70_000, 'succeeded', 5), step(1, 9_000, 'succeeded', 0)),
        run(step(0, 50_000)),
      ],
      2,
    );
    // The progress step is the coarsest any run saw: assuming a finer one could land a read too late.
    expect(prior).toEqual({
      expectedDurationMs: [60_000, 7_000],
      shortestDurationMs: [50_000, 5_000],
      progressStep: [5, 0],
      runs: 3,
    });
  });

  it('leaves out steps that did not succeed and steps the earlier runs lacked (0: no prior for that step)', () => {
    const prior = durationsFromResults([run(step(0, 60_000), step(1, 1_000, 'failed'))], 3);
    expect(prior).toEqual({
      expectedDurationMs: [60_000, 0, 0],
      shortestDurationMs: [60_000, 0, 0],
      progressStep: [null, null, null],
      runs: 1,
    });
  });

  it('is no prior at all without a usable time', () => {
    expect(durationsFromResults([], 1)).toBeNull();
    expect(durationsFromResults([run(step(0, 0))], 1)).toBeNull();
  });
});
