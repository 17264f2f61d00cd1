/**
 * `start --wait` follows a run with progress reads for as long as it runs (hours for a big export): the follow must
 * not collect abort listeners, one per RPC, on a signal that lives as long as the follow.
 */
import { startRun } from '../../src/client/runs.js';
import { followRun, type ProgressView } from '../../src/cli/progress-view.js';
import { createHarness, FAST_POLICY, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(() => h?.close());

/** Counts the abort listeners each signal holds at most, while `fn` runs. */
async function maxAbortListeners(fn: () => Promise<void>): Promise<number> {
  const live = new Map<EventTarget, number>();
  let max = 0;
  const { addEventListener, removeEventListener } = EventTarget.prototype;
  EventTarget.prototype.addEventListener = function (
    this: EventTarget,
    ...args: Parameters<EventTarget['addEventListener']>
  ) {
    if (args[0] === 'abort' && this instanceof AbortSignal) {
      live.set(this, (live.get(this) ?? 0) + 1);
      max = Math.max(max, live.get(this)!);
    }
    return addEventListener.apply(this, args);
  };
  EventTarget.prototype.removeEventListener = function (
    this: EventTarget,
    ...args: Parameters<EventTarget['removeEventListener']>
  ) {
    if (args[0] === 'abort' && live.has(this)) live.set(this, live.get(this)! - 1);
    return removeEventListener.apply(this, args);
  };
  try {
    await fn();
  } finally {
    Object.assign(EventTarget.prototype, { addEventListener, removeEventListener });
  }
  return max;
}

it('a long follow keeps no abort listeners from one read to the next', async () => {
  const ds = h.sim.createDataset({ dataset_name: 'followed' });
  h.sim.setBehavior(ds.dataset_id, { durationMs: 5000, progress: 'linear', totalSamples: 5 });
  const { workflowId } = await startRun(
    h.client,
    {
      steps: [{ kind: 'export', datasetId: ds.dataset_id, request: { path: '/bucket/follow/' } }],
      wait: { policy: FAST_POLICY },
    },
    { taskQueue: h.taskQueue },
  );
  let queries = 0;
  const view: ProgressView = { update: () => undefined, done: () => undefined };
  const max = await maxAbortListeners(async () => {
    const outcome = await followRun(h.client, workflowId, view, { intervalMs: 10, onQuery: () => void queries++ });
    expect(outcome.outcome).toBe('succeeded');
  });
  // Enough progress reads (3 RPCs each) that one signal shared by all of them would hold far more listeners.
  expect(queries).toBeGreaterThanOrEqual(10);
  expect(max).toBeLessThanOrEqual(5);
}, 60_000);
