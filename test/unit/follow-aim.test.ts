/** When a follow asks the run for progress (src/cli/progress-view.ts nextQueryAt): just after the step's planned reads. */
import { nextQueryAt } from '../../src/cli/progress-view.js';
import type { RunProgress } from '../../src/client/runs.js';

const NOW = 1_000_000;
const INTERVAL = 1000;

function waiting(statusReads: number, nextReadAtMs: number | undefined, progress = 40): RunProgress {
  return {
    workflowId: 'w',
    status: 'RUNNING',
    pipeline: {
      workflowId: 'w',
      steps: [{ index: 0, kind: 'export', workflowId: 'w.step-1', state: 'running' }],
      current: 0,
    },
    step: {
      index: 0,
      kind: 'export',
      datasetId: 'd',
      taskId: 't',
      status: 'RUNNING',
      phase: 'waiting',
      progress,
      statusReads,
      nextReadAtMs,
      startedAtMs: 0,
    },
  };
}

it('aims just after the planned read, however far off it is (up to a 30 s gap)', () => {
  const p = waiting(3, NOW + 12_000);
  expect(nextQueryAt(p, p, NOW, INTERVAL)).toBe(NOW + 12_300);
  const far = waiting(3, NOW + 10 * 60_000);
  expect(nextQueryAt(far, far, NOW, INTERVAL)).toBe(NOW + 30_000);
});

it('asks again after the usual interval when the answer changed (the next step may start right away)', () => {
  expect(nextQueryAt(waiting(4, NOW + 12_000, 55), waiting(3, NOW - 100, 40), NOW, INTERVAL)).toBe(NOW + INTERVAL);
  expect(nextQueryAt(waiting(1, NOW + 5000), undefined, NOW, INTERVAL)).toBe(NOW + INTERVAL);
});

it('while a due read has not landed, asks again soon, and less often the later it is', () => {
  const due = waiting(3, NOW - 400);
  expect(nextQueryAt(due, due, NOW, INTERVAL)).toBe(NOW + 500);
  const late = waiting(3, NOW - 20_300);
  expect(nextQueryAt(late, late, NOW, INTERVAL)).toBe(NOW + 10_000);
  const veryLate = waiting(3, NOW - 10 * 60_000);
  expect(nextQueryAt(veryLate, veryLate, NOW, INTERVAL)).toBe(NOW + 30_000);
});

it('phases without a planned read are asked every interval', () => {
  const starting: RunProgress = {
    ...waiting(0, undefined),
    step: { ...waiting(0, undefined).step!, phase: 'starting' },
  };
  expect(nextQueryAt(starting, starting, NOW, INTERVAL)).toBe(NOW + INTERVAL);
  expect(nextQueryAt(undefined, undefined, NOW, INTERVAL)).toBe(NOW + INTERVAL);
});
