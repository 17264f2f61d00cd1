/**
 * The export workflows end to end: real dev server, real worker process, simulator over HTTP. Workflow behaviour
 * (cancel, deadline, continue-as-new, policy updates) is covered fast in test/workflows; here is what only the real
 * pieces prove.
 */
import { awaitRun, startRun } from '../../src/client/runs.js';
import { SpecError } from '../../src/spec/pipeline.js';
import type { WorkerProcess } from '../../src/local/worker-process.js';
import {
  createHarness,
  eventually,
  expectSucceeded,
  FAST_POLICY,
  labeledDataset,
  type Harness,
} from '../support/harness.js';
import { runMarker } from '../../src/workflows/marker.js';

let h: Harness;
let worker: WorkerProcess;

beforeAll(async () => {
  h = await createHarness();
  worker = await h.startWorker();
});
afterAll(() => h?.close());

const wait = { policy: FAST_POLICY, deadline: '2m' };

describe('export workflows', () => {
  it('exports a dataset to OBS and reports the task, path, samples and reads', async () => {
    const dataset = h.sim.createDataset({ dataset_name: 'happy-dir' });
    h.sim.setBehavior(dataset.dataset_id, { durationMs: 1500, progress: 'linear', totalSamples: 42 });
    const { workflowId } = await startRun(
      h.client,
      {
        steps: [{ kind: 'export', datasetId: dataset.dataset_id, request: { path: '/bucket/out/', export_type: 0 } }],
        wait,
      },
      { taskQueue: h.taskQueue },
    );
    const run = await awaitRun(h.client, workflowId);
    const result = expectSucceeded(run);
    const [step] = result.steps;
    expect(step).toMatchObject({
      status: 'SUCCESSED',
      outcome: 'succeeded',
      totalSampleCount: 42,
      finishedSampleCount: 42,
      reattached: false,
    });
    const { runId } = await h.client.workflow.getHandle(workflowId).describe();
    expect(step!.outputPath).toBe(`/bucket/out/${runMarker(workflowId, 0, runId)}/`);
    expect(step!.statusReads).toBeGreaterThanOrEqual(1);

    // One log line per status transition, not one per read (workflow logs reach the worker's output shortly after).
    const transitionsLogged = () =>
      worker
        .output()
        .split('\n')
        .filter((line) => line.includes('task status changed') && line.includes(`"${workflowId}.step-1"`))
        .map((line) => (JSON.parse(line) as { to: string }).to);
    const transitions = await eventually(() => {
      const logged = transitionsLogged();
      return logged.at(-1) === 'SUCCESSED' ? logged : undefined;
    });
    expect(new Set(transitions).size).toBe(transitions.length);
    expect(h.sim.counters().byDataset[dataset.dataset_id]?.exportCreates).toBe(1);

    const keyword = (name: string) => ({ name, type: 'KEYWORD' }) as never;
    const description = await h.client.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(keyword('ModelArtsDatasetId'))).toBe(dataset.dataset_id);
    const stepHandle = h.client.workflow.getHandle(`${workflowId}.step-1`);
    const stepAttributes = (await stepHandle.describe()).typedSearchAttributes;
    expect(stepAttributes.get(keyword('ModelArtsDatasetId'))).toBe(dataset.dataset_id);
    expect(stepAttributes.get(keyword('ModelArtsTaskId'))).toBe(step!.taskId);
    expect(stepAttributes.get(keyword('ModelArtsTaskStatus'))).toBe('SUCCESSED');

    // A step that ends by itself costs the pipeline no signal (and no workflow task to handle it).
    const pipelineEvents = (await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    expect(pipelineEvents.some((e) => e.workflowExecutionSignaledEventAttributes)).toBe(false);
    expect(pipelineEvents.some((e) => e.childWorkflowExecutionCompletedEventAttributes)).toBe(true);
  });

  it('chains export to a new dataset, resolves it by name, and exports that dataset as COCO', async () => {
    const source = h.sim.createDataset({ dataset_name: 'chain-source' });
    h.sim.setBehavior(source.dataset_id, { durationMs: 800, progress: 'stepwise', steps: 4 });
    const { workflowId } = await startRun(
      h.client,
      {
        steps: [
          {
            kind: 'export',
            datasetId: source.dataset_id,
            request: {
              path: '/bucket/chain/input/',
              export_type: 0,
              export_params: {
                export_dest: 'NEW_DATASET',
                export_new_dataset_name: 'chain-new-dataset',
                export_new_dataset_work_path: '/bucket/chain/new/',
              },
            },
          },
          { kind: 'export', request: { path: '/bucket/chain/coco/', annotation_format: 'COCO', export_format: 1 } },
        ],
        wait,
      },
      { taskQueue: h.taskQueue },
    );
    const run = await awaitRun(h.client, workflowId);
    const result = expectSucceeded(run);
    const [first, second] = result.steps;
    expect(first!.newDatasetName).toBe('chain-new-dataset');
    expect(first!.newDatasetId).toBeTruthy();
    expect(second!.datasetId).toBe(first!.newDatasetId);
    expect(second!.outputPath).toContain('/bucket/chain/coco/');
    const stepRuns = await Promise.all(
      [1, 2].map((n) => h.client.workflow.getHandle(`${workflowId}.step-${n}`).describe()),
    );
    expect(stepRuns.map((d) => d.type)).toEqual(['exportStep', 'exportStep']);
  });

  it('fails with ModelArts error_code and error_msg when the task ends FAILED', async () => {
    const dataset = h.sim.createDataset({ dataset_name: 'will-fail' });
    h.sim.setBehavior(dataset.dataset_id, {
      durationMs: 500,
      progress: 'linear',
      fail: { error_code: 'ModelArts.4401', error_msg: 'Failed to export data.' },
    });
    const { workflowId } = await startRun(
      h.client,
      { steps: [{ kind: 'export', datasetId: dataset.dataset_id, request: { path: '/bucket/fail/' } }], wait },
      { taskQueue: h.taskQueue },
    );
    const run = await awaitRun(h.client, workflowId);
    expect(run.outcome).toBe('failed');
    if (run.outcome === 'succeeded') return;
    expect(run.message).toContain('ModelArts.4401');
    expect(run.message).toContain('Failed to export data.');
    // The kind and ModelArts' own fields come from the failure's type and details, not from its message.
    expect(run.kind).toBe('failed-at-modelarts');
    expect(run.details).toMatchObject({
      kind: 'failed-at-modelarts',
      failedStep: 1,
      datasetId: dataset.dataset_id,
      errorCode: 'ModelArts.4401',
      errorMsg: 'Failed to export data.',
    });
    expect(run.details?.taskId).toMatch(/^\w+$/);
  });

  it('fails fast on a non-retryable API error (unknown dataset), creating nothing', async () => {
    const before = h.sim.counters().total.exportCreates;
    const { workflowId } = await startRun(
      h.client,
      { steps: [{ kind: 'export', datasetId: 'doesNotExist0000000', request: { path: '/bucket/x/' } }], wait },
      { taskQueue: h.taskQueue },
    );
    const started = Date.now();
    const run = await awaitRun(h.client, workflowId);
    expect(run.outcome).toBe('failed');
    if (run.outcome === 'succeeded') return;
    expect(run.message).toContain('ModelArts.4352');
    expect(run.kind).toBe('client-error');
    expect(run.details).toMatchObject({ kind: 'client-error', failedStep: 1, errorCode: 'ModelArts.4352' });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(h.sim.counters().total.exportCreates).toBe(before);
  });

  it('rejects an invalid spec before anything is started or created', async () => {
    const before = h.sim.counters().total.exportCreates;
    await expect(
      startRun(
        h.client,
        { steps: [{ kind: 'export', datasetId: 'd', request: { path: '/b/x/', export_format: 7 } }] },
        { taskQueue: h.taskQueue },
      ),
    ).rejects.toThrow(SpecError);
    await expect(
      startRun(
        h.client,
        { steps: [{ kind: 'export', datasetId: 'd', request: { path: '/b/x/', export_format: 7 } }] },
        { taskQueue: h.taskQueue },
      ),
    ).rejects.toThrow(/export_format.*tree.*tile/);
    await expect(startRun(h.client, { steps: [] }, { taskQueue: h.taskQueue })).rejects.toThrow(/steps/);
    expect(h.sim.counters().total.exportCreates).toBe(before);
  });

  it('starting the same workflow id twice attaches to the first run and creates one export', async () => {
    const dataset = h.sim.createDataset({ dataset_name: 'idempotent' });
    h.sim.setBehavior(dataset.dataset_id, { durationMs: 1000, progress: 'linear' });
    const spec = {
      steps: [{ kind: 'export', datasetId: dataset.dataset_id, request: { path: '/bucket/idem/' } }],
      wait,
    };
    const id = `idem-${Date.now()}`;
    const first = await startRun(h.client, spec, { taskQueue: h.taskQueue, workflowId: id });
    const second = await startRun(h.client, spec, { taskQueue: h.taskQueue, workflowId: id });
    expect([first.started, second.started]).toEqual([true, false]);
    expect((await awaitRun(h.client, id)).outcome).toBe('succeeded');
    const third = await startRun(h.client, spec, { taskQueue: h.taskQueue, workflowId: id });
    expect(third.started).toBe(false);
    expect(h.sim.counters().byDataset[dataset.dataset_id]?.exportCreates).toBe(1);
  });
});

describe('intelligent task steps', () => {
  it('starts auto labeling, waits for it, then exports what it labeled', async () => {
    const dataset = labeledDataset(h.sim, 'auto-label-then-export');
    h.sim.setBehavior(dataset.dataset_id, { durationMs: 800, progress: 'linear' });
    const { workflowId } = await startRun(
      h.client,
      {
        steps: [
          {
            kind: 'intelligent-task',
            datasetId: dataset.dataset_id,
            request: { task_type: 'auto-label', config: { algorithm_type: 'fast' } },
          },
          { kind: 'export', request: { path: '/bucket/labeled/', sample_state: '__ALL__' } },
        ],
        wait,
      },
      { taskQueue: h.taskQueue },
    );
    const run = await awaitRun(h.client, workflowId);
    const result = expectSucceeded(run);
    expect(result.steps.map((s) => [s.kind, s.status])).toEqual([
      ['intelligent-task', '3'],
      ['export', 'SUCCESSED'],
    ]);
    expect(h.sim.counters().byDataset[dataset.dataset_id]?.taskStarts).toBe(1);
  });

  it('waits for an existing intelligent task by id', async () => {
    const dataset = labeledDataset(h.sim, 'existing-task');
    h.sim.setBehavior(dataset.dataset_id, { durationMs: 800, progress: 'linear' });
    const task = await fetch(`${h.sim.url}/v2/${h.sim.projectId}/datasets/${dataset.dataset_id}/tasks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': h.sim.issueToken() },
      body: JSON.stringify({ task_type: 'auto-grouping', config: { n_clusters: 2 } }),
    }).then((r) => r.json() as Promise<{ task_id: string }>);
    const { workflowId } = await startRun(
      h.client,
      { steps: [{ kind: 'wait-task', datasetId: dataset.dataset_id, taskId: task.task_id }], wait },
      { taskQueue: h.taskQueue },
    );
    const run = await awaitRun(h.client, workflowId);
    const result = expectSucceeded(run);
    expect(result.steps[0]).toMatchObject({ taskId: task.task_id, status: '3', reattached: true });
  });
});
