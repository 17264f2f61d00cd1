/**
 * Exactly one export per run, whatever the ids: the reattach marker (src/workflows/marker.ts) against the suite's
 * dev server, a real worker process and the simulator. Each case was seen to share one export between runs (or to
 * lose one) with the earlier marker, `{first 80 characters of the workflow id}.s{step}.{first 8 hex of the run id}`.
 */
import { randomUUID } from 'node:crypto';
import { AkSkAuth } from '../../src/modelarts/auth.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import { awaitRun, EXPORT_PIPELINE_TYPE, startRun } from '../../src/client/runs.js';
import { backfillSchedule, createSchedule, deleteSchedule, scheduledRunsQuery } from '../../src/client/schedules.js';
import { parsePipelineSpec } from '../../src/spec/pipeline.js';
import type { StepInput, StepResult } from '../../src/workflows/types.js';
import {
  createHarness,
  CREDENTIALS,
  eventually,
  expectSucceeded,
  FAST_POLICY,
  type Harness,
} from '../support/harness.js';

const TIMEOUT = 120_000;
const wait = { policy: FAST_POLICY, deadline: '2m' };

let h: Harness;
const schedules: string[] = [];
beforeAll(async () => {
  // The earlier marker form has dots, which the appendix's path characters exclude: a run in flight on it had its
  // create accepted by a service that takes more, so this simulator does too (the last test).
  h = await createHarness({ obsPathCharacters: 'any' });
  await h.startWorker();
});
afterAll(async () => {
  await Promise.all(schedules.map((id) => deleteSchedule(h.client, id).catch(() => undefined)));
  await h?.close();
});

function dataset(name: string): string {
  const ds = h.sim.createDataset({ dataset_name: `${name}-${randomUUID().slice(0, 6)}` });
  h.sim.setBehavior(ds.dataset_id, { durationMs: 600, progress: 'linear', totalSamples: 5 });
  return ds.dataset_id;
}

const exportSpec = (datasetId: string, path = '/bucket/same/') => ({
  steps: [{ kind: 'export', datasetId, request: { path } }],
  wait,
});
const exportCreates = (datasetId: string) => h.sim.counters().byDataset[datasetId]?.exportCreates ?? 0;

/** Every run got an export of its own: as many creates as runs, no two runs on one task or in one folder. */
function expectOneExportEach(datasetId: string, steps: StepResult[]): void {
  expect(steps.map((s) => s.reattached)).toEqual(steps.map(() => false));
  expect(new Set(steps.map((s) => s.taskId)).size).toBe(steps.length);
  expect(new Set(steps.map((s) => s.outputPath)).size).toBe(steps.length);
  expect(exportCreates(datasetId)).toBe(steps.length);
}

it(
  'a schedule with a 100-character id, backfilled over 3 slots at once, creates 3 exports into 3 folders',
  async () => {
    const ds = dataset('long-schedule');
    const id = `sched-${randomUUID()}-`.padEnd(100, 'x');
    expect(id).toHaveLength(100);
    schedules.push(id);
    await createSchedule(h.client, {
      scheduleId: id,
      spec: exportSpec(ds),
      every: '1m',
      paused: true,
      // All three runs at once: the earlier marker gave runs started within 65.5 s the same folder.
      overlap: 'allow-all',
      taskQueue: h.taskQueue,
    });
    const minute = 60_000;
    const from = new Date(Math.floor(Date.now() / minute) * minute - 10 * minute + 30_000);
    await backfillSchedule(h.client, id, { from, to: new Date(from.getTime() + 3 * minute) });

    const runs = await eventually(async () => {
      const found: string[] = [];
      for await (const info of h.client.workflow.list({ query: scheduledRunsQuery(id) })) found.push(info.workflowId);
      return found.length >= 3 ? found : undefined;
    });
    expect(runs).toHaveLength(3);
    const steps = await Promise.all(runs.map(async (r) => expectSucceeded(await awaitRun(h.client, r)).steps[0]!));
    expectOneExportEach(ds, steps);
  },
  TIMEOUT,
);

it(
  "a finished run's id started again at once (a new run of the same id) creates a second export",
  async () => {
    const ds = dataset('rerun');
    const workflowId = `rerun-${randomUUID()}`;
    const steps: StepResult[] = [];
    for (let i = 0; i < 2; i++) {
      // The Temporal client's default id reuse policy allows a new run once the first has closed.
      const handle = await h.client.workflow.start(EXPORT_PIPELINE_TYPE, {
        workflowId,
        taskQueue: h.taskQueue,
        args: [parsePipelineSpec(exportSpec(ds))],
      });
      steps.push(expectSucceeded(await awaitRun(h.client, handle.workflowId)).steps[0]!);
    }
    expectOneExportEach(ds, steps);
  },
  TIMEOUT,
);

it(
  'two runs whose ids differ only after character 80 create 2 exports',
  async () => {
    const ds = dataset('long-ids');
    const prefix = `long-${randomUUID()}-`.padEnd(85, 'y');
    const started = await Promise.all(
      ['2026-12-01', '2026-12-02'].map((day) =>
        startRun(h.client, exportSpec(ds), { taskQueue: h.taskQueue, workflowId: `${prefix}-${day}` }),
      ),
    );
    expect(started.map((s) => s.started)).toEqual([true, true]);
    const steps = await Promise.all(
      started.map(async (s) => expectSucceeded(await awaitRun(h.client, s.workflowId)).steps[0]!),
    );
    expectOneExportEach(ds, steps);
  },
  TIMEOUT,
);

it(
  'a step in flight on the earlier marker form (its create done by the old worker) finishes on this code with that one export',
  async () => {
    const ds = dataset('old-marker');
    const workflowId = `old-form-${randomUUID()}`;
    const runId = randomUUID();
    // What 0.1.x passed each step (src/workflows/marker.ts before the fix), and the export its create made before
    // the worker was replaced: the new worker must find it, not create a second.
    const oldMarker = `${workflowId}.s1.${runId.replace(/-/g, '').slice(0, 8)}`;
    const modelarts = new ModelArtsClient({
      endpoint: h.sim.url,
      projectId: h.sim.projectId,
      auth: new AkSkAuth(CREDENTIALS),
    });
    const { task_id } = await modelarts.createExportTask(ds, { path: `/bucket/old/${oldMarker}/` });
    expect(exportCreates(ds)).toBe(1);

    const input: StepInput = {
      index: 0,
      spec: { kind: 'export', datasetId: ds, request: { path: '/bucket/old/' } },
      wait: { deadlineMs: 120_000, policy: FAST_POLICY },
      marker: oldMarker,
      tellParent: 'on-cancel',
    };
    const result = await h.client.workflow.execute('exportStep', {
      workflowId: `${workflowId}.step-1`,
      taskQueue: h.taskQueue,
      args: [input],
    });
    expect(result).toMatchObject({ taskId: task_id, reattached: true, outcome: 'succeeded' });
    expect(exportCreates(ds)).toBe(1);
  },
  TIMEOUT,
);
