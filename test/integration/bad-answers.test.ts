/**
 * Bad answers end to end: real dev server, real worker process, the simulator's answer faults over HTTP. A status
 * answer with a mistyped field ends the run `failed`, naming the field, well before its deadline (it used to fail
 * every workflow task and stay RUNNING past the deadline); a failed task's 3 MB error_msg reaches the run's result
 * cut short, with its error_code (it used to exceed Temporal's payload limit and lose both).
 */
import { awaitRun, startRun } from '../../src/client/runs.js';
import { MAX_FREE_TEXT_CHARS } from '../../src/modelarts/bounded.js';
import { createHarness, FAST_POLICY, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(() => h?.close());
afterEach(() => h.sim.setFaults({}));

const wait = { policy: FAST_POLICY, deadline: '10m' };

describe('bad answers from ModelArts', () => {
  it('status reads answering progress "abc" end the run failed, naming progress, long before a 10-minute deadline', async () => {
    const dataset = h.sim.createDataset({ dataset_name: 'abc-progress' });
    h.sim.setBehavior(dataset.dataset_id, { durationMs: 600_000, progress: 'linear' });
    h.sim.setFaults({ onlyPaths: 'status', answerFields: { progress: 'abc' } });
    const startedAt = Date.now();
    const { workflowId } = await startRun(
      h.client,
      { steps: [{ kind: 'export', datasetId: dataset.dataset_id, request: { path: '/bucket/abc/' } }], wait },
      { taskQueue: h.taskQueue },
    );
    const run = await awaitRun(h.client, workflowId);
    // The promise: the run ends by itself, long before its deadline (not a measure of the product's speed).
    expect(Date.now() - startedAt).toBeLessThan(60_000);
    expect(run.outcome).toBe('failed');
    if (run.outcome === 'succeeded') return;
    expect(run.message).toContain('answered a malformed body: progress: expected number, got string "abc"');
    expect(run.details).toMatchObject({ failedStep: 1, datasetId: dataset.dataset_id });
    // Exactly one export was created: the bad answers were reads, and reads never create.
    expect(h.sim.counters().byDataset[dataset.dataset_id]?.exportCreates).toBe(1);
  });

  it("a failed task's 3 MB error_msg ends the run failed at ModelArts with its error_code and the message cut short", async () => {
    const dataset = h.sim.createDataset({ dataset_name: 'long-error' });
    h.sim.setBehavior(dataset.dataset_id, {
      durationMs: 500,
      progress: 'linear',
      fail: { error_code: 'ModelArts.4401', error_msg: 'Failed to export data.' },
    });
    h.sim.setFaults({ onlyPaths: 'status', errorMsgBytes: 3 * 1024 * 1024 });
    const { workflowId } = await startRun(
      h.client,
      { steps: [{ kind: 'export', datasetId: dataset.dataset_id, request: { path: '/bucket/long/' } }], wait },
      { taskQueue: h.taskQueue },
    );
    const run = await awaitRun(h.client, workflowId);
    expect([run.outcome, run.kind]).toEqual(['failed', 'failed-at-modelarts']);
    if (run.outcome === 'succeeded') return;
    expect(run.details).toMatchObject({ errorCode: 'ModelArts.4401' });
    expect(run.details?.errorMsg?.startsWith('Failed to export data.')).toBe(true);
    expect(run.details!.errorMsg!.length).toBeLessThan(MAX_FREE_TEXT_CHARS + 100);
    expect(run.message.length).toBeLessThan(3 * MAX_FREE_TEXT_CHARS);
  });
});
