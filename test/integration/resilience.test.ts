/**
 * Promises about failure: transient API errors never fail a run, tokens are refreshed mid-wait, a SIGKILLed worker
 * is replaced without duplicate tasks, and long waits continue-as-new with a complete result.
 */
import { awaitRun, getProgress, startRun } from '../../src/client/runs.js';
import {
  createHarness,
  expectSucceeded,
  eventually,
  FAST_POLICY,
  labeledDataset,
  type Harness,
} from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    users: [{ name: 'alice', password: 'alice-password-1', domainName: 'acme', projectName: 'eu-de' }],
  });
});
afterAll(() => h?.close());

const wait = { policy: FAST_POLICY, deadline: '3m' };
const exportSpec = (datasetId: string, path: string, extra: object = {}) => ({
  steps: [{ kind: 'export', datasetId, request: { path } }],
  wait,
  ...extra,
});

it('completes every run while 20% of calls fail with 5xx and 10% are throttled', async () => {
  const worker = await h.startWorker();
  // Enough runs and reads (well over 100 requests) that both kinds of fault are certain to be hit. Failed reads back
  // off on the policy's error backoff (quick here); failed creates on the activities' retry (2 s doubling to 20 s),
  // so a run that draws a long streak of failed creates takes a while: keep the streaks likely short.
  const datasets = Array.from({ length: 6 }, (_, i) => h.sim.createDataset({ dataset_name: `faulty-${i}` }));
  for (const d of datasets) h.sim.setBehavior(d.dataset_id, { durationMs: 4000, progress: 'linear' });
  h.sim.setFaults({ serverErrorRate: 0.2, throttleRate: 0.1, retryAfterSeconds: 1 });
  const quickErrors = { ...wait, policy: { ...FAST_POLICY, errorBackoff: { initialMs: 100, maxMs: 2000 } } };
  try {
    const runs = await Promise.all(
      datasets.map((d) =>
        startRun(h.client, exportSpec(d.dataset_id, '/bucket/faulty/', { wait: quickErrors }), {
          taskQueue: h.taskQueue,
        }),
      ),
    );
    const outcomes = await Promise.all(runs.map((r) => awaitRun(h.client, r.workflowId)));
    expect(outcomes.map((o) => o.outcome)).toEqual(datasets.map(() => 'succeeded'));
    const counters = h.sim.counters();
    for (const d of datasets) expect(counters.byDataset[d.dataset_id]?.exportCreates).toBe(1);
    expect(counters.faultsInjected.serverErrors).toBeGreaterThan(0);
    expect(counters.faultsInjected.throttled).toBeGreaterThan(0);
  } finally {
    h.sim.setFaults({});
    await worker.stop();
  }
});

it('refreshes an IAM token that expires during the wait', async () => {
  // A queue of its own: only this IAM-configured worker can serve the run (no worker of another test).
  const taskQueue = `${h.taskQueue}-iam`;
  const worker = await h.startWorker({
    TEMPORAL_TASK_QUEUE: taskQueue,
    MODELARTS_ACCESS_KEY: '',
    MODELARTS_SECRET_KEY: '',
    MODELARTS_IAM_ENDPOINT: h.sim.iamUrl,
    MODELARTS_USERNAME: 'alice',
    MODELARTS_PASSWORD: 'alice-password-1',
    MODELARTS_DOMAIN_NAME: 'acme',
    MODELARTS_PROJECT_NAME: 'eu-de',
  });
  try {
    const d = h.sim.createDataset({ dataset_name: 'token-expiry' });
    h.sim.setBehavior(d.dataset_id, { durationMs: 3000, progress: 'linear' });
    const { workflowId } = await startRun(h.client, exportSpec(d.dataset_id, '/bucket/token/'), { taskQueue });
    await eventually(async () => ((await getProgress(h.client, workflowId)).step?.statusReads ?? 0) >= 1 || undefined);
    h.sim.expireTokens();
    const run = await awaitRun(h.client, workflowId);
    expectSucceeded(run);
    expect(h.sim.counters().total.tokensIssued).toBeGreaterThanOrEqual(2);
  } finally {
    await worker.stop();
  }
});

it('survives SIGKILL of the worker during a wait and right after a create, with one create per run', async () => {
  const waiting = h.sim.createDataset({ dataset_name: 'kill-during-wait' });
  h.sim.setBehavior(waiting.dataset_id, { durationMs: 6000, progress: 'linear' });
  const afterCreate = h.sim.createDataset({ dataset_name: 'kill-after-create' });
  h.sim.setBehavior(afterCreate.dataset_id, { durationMs: 1000, progress: 'linear' });

  let worker = await h.startWorker();
  const a = await startRun(h.client, exportSpec(waiting.dataset_id, '/bucket/kill-a/'), { taskQueue: h.taskQueue });
  await eventually(async () => ((await getProgress(h.client, a.workflowId)).step?.statusReads ?? 0) >= 2 || undefined);
  await worker.kill();

  // The create is processed by ModelArts but its answer is held back, so the worker dies before the activity completes.
  h.sim.setFaults({ holdCreateAnswerMs: 60_000 });
  worker = await h.startWorker();
  const b = await startRun(h.client, exportSpec(afterCreate.dataset_id, '/bucket/kill-b/'), { taskQueue: h.taskQueue });
  await eventually(() => (h.sim.counters().byDataset[afterCreate.dataset_id]?.exportCreates ?? 0) >= 1 || undefined);
  await worker.kill();
  h.sim.setFaults({});

  worker = await h.startWorker();
  const [ra, rb] = await Promise.all([awaitRun(h.client, a.workflowId), awaitRun(h.client, b.workflowId)]);
  expect([ra.outcome, rb.outcome]).toEqual(['succeeded', 'succeeded']);
  if (rb.outcome === 'succeeded') expect(rb.result.steps[0]!.reattached).toBe(true);
  const counters = h.sim.counters();
  expect(counters.byDataset[waiting.dataset_id]?.exportCreates).toBe(1);
  expect(counters.byDataset[afterCreate.dataset_id]?.exportCreates).toBe(1);
  await worker.stop();
}, 180_000);

describe('cancel', () => {
  it('stops an intelligent task through its stop API', async () => {
    const worker = await h.startWorker();
    try {
      const d = labeledDataset(h.sim, 'cancel-task');
      h.sim.setBehavior(d.dataset_id, { durationMs: 60_000, progress: 'linear' });
      const { workflowId, handle } = await startRun(
        h.client,
        { steps: [{ kind: 'intelligent-task', datasetId: d.dataset_id, request: { task_type: 'auto-label' } }], wait },
        { taskQueue: h.taskQueue },
      );
      const progress = await eventually(async () => {
        const p = await getProgress(h.client, workflowId);
        return p.step?.taskId ? p : undefined;
      });
      await handle.cancel();
      const run = await awaitRun(h.client, workflowId);
      expect(run.outcome).toBe('cancelled');
      const taskId = progress.step!.taskId!;
      const task = await fetch(`${h.sim.url}/v2/${h.sim.projectId}/datasets/${d.dataset_id}/tasks/${taskId}`, {
        headers: { 'X-Auth-Token': h.sim.issueToken() },
      }).then((r) => r.json() as Promise<{ status: number }>);
      expect([4, 5]).toContain(task.status);
    } finally {
      await worker.stop();
    }
  });
});
