/**
 * Steps when the service is busy or slow, with stub activities (fake-modelarts.ts): busy refusals waited out on
 * durable timers and past the deadline, the read-after-write grace after our own create (and only then), and a
 * NEW_DATASET export's dataset waited for before the next step starts.
 */
import { awaitRun, getProgress, startRun } from '../../src/client/runs.js';
import { eventually, expectSucceeded, FAST_POLICY } from '../support/harness.js';
import { running, startInProcessWorker, succeeded, type InProcessWorker } from './fake-modelarts.js';

let w: InProcessWorker;
beforeAll(async () => {
  w = await startInProcessWorker();
});
afterAll(async () => w?.close());

let n = 0;
const dataset = () => `svc${++n}-${Date.now()}`;
const start = (spec: Record<string, unknown>, wait: Record<string, unknown> = {}) =>
  startRun(w.client, { wait: { policy: FAST_POLICY, deadline: '1m', ...wait }, ...spec }, { taskQueue: w.taskQueue });
const callsOn = (name: Parameters<InProcessWorker['fake']['callsOf']>[0], id: string) =>
  w.fake.callsOf(name).filter((c) => (c as { datasetId?: string }).datasetId === id);
const publishing = { errorCode: 'ModelArts.4343', reason: 'a version of the dataset is being published' };

describe('busy refusals', () => {
  it('an import refused while a version is released waits on timers, says what for, then creates and succeeds', async () => {
    const id = dataset();
    w.fake.script(id, { busy: { times: 3, ...publishing }, reads: [running(50), succeeded] });
    // Slow enough tries to watch the busy phase; the wait itself is not asserted.
    const { workflowId } = await start(
      { steps: [{ kind: 'import', datasetId: id, request: { import_path: 's3://bucket/in/' } }] },
      { policy: { ...FAST_POLICY, initialDelayMs: 700, minDelayMs: 700 } },
    );
    const busy = await eventually(async () => {
      const p = await getProgress(w.client, workflowId);
      return p?.step?.phase === 'busy' ? p.step : undefined;
    });
    expect(busy.waitingFor).toBe('a version of the dataset is being published (ModelArts.4343)');
    expect(busy.nextReadAtMs).toEqual(expect.any(Number));
    expect(busy.taskId).toBeUndefined();
    const details = await eventually(async () => {
      const d = await w.client.workflow
        .getHandle(`${workflowId}.step-1`)
        .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      return d.currentDetails?.includes('waiting:') ? d.currentDetails : undefined;
    });
    expect(details).toMatch(
      /waiting: a version of the dataset is being published \(ModelArts\.4343\); next try \d\d:\d\d:\d\d UTC/,
    );

    const result = expectSucceeded(await awaitRun(w.client, workflowId));
    expect(result.steps.map((s) => [s.taskId, s.status, s.reattached])).toEqual([
      [`import-of-${id}`, 'SUCCESSED', false],
    ]);
    // Each try is a fresh create-or-reattach activity (its reattach scan runs before every POST): 3 refused, 1 made.
    expect(callsOn('createOrReattachImport', id)).toHaveLength(4);
  });

  it('fails past the deadline naming the code, having created and read nothing', async () => {
    const id = dataset();
    w.fake.script(id, { busy: { times: 1000, errorCode: 'ModelArts.4356', reason: 'another import is running' } });
    const { workflowId } = await start(
      { steps: [{ kind: 'import', datasetId: id, request: { import_path: 's3://bucket/in/' } }] },
      { deadline: 1500 },
    );
    const run = await awaitRun(w.client, workflowId);
    expect([run.outcome, run.kind]).toEqual(['timed-out', 'deadline-exceeded']);
    if (run.outcome === 'succeeded') return;
    expect(run.message).toContain('ModelArts.4356');
    expect(run.message).toContain('no task was created');
    expect(run.details).toMatchObject({ failedStep: 1, errorCode: 'ModelArts.4356' });
    expect(run.details?.leftRunning).toBeUndefined();
    expect(callsOn('readStatus', id)).toHaveLength(0);
  });

  it('waits out a busy start of an export, an intelligent task and a version alike', async () => {
    const [a, b, c] = [dataset(), dataset(), dataset()];
    for (const id of [a, b, c]) w.fake.script(id, { busy: { times: 2, ...publishing } });
    const { workflowId } = await start({
      steps: [
        { kind: 'export', datasetId: a, request: { path: '/bucket/out/' } },
        { kind: 'intelligent-task', datasetId: b, request: { task_type: 'auto-label' } },
        { kind: 'publish-version', datasetId: c, request: {} },
      ],
    });
    const result = expectSucceeded(await awaitRun(w.client, workflowId));
    expect(result.steps.map((s) => s.taskId)).toEqual([`task-of-${a}`, `task-of-${b}`, `version-of-${c}`]);
    expect(
      [
        callsOn('createOrReattachExport', a),
        callsOn('startOrReattachTask', b),
        callsOn('publishOrReattachVersion', c),
      ].map((calls) => calls.length),
    ).toEqual([3, 3, 3]);
  });
});

describe('read-after-write grace', () => {
  it('reads again a task this step just created that the service does not show yet, then succeeds', async () => {
    const id = dataset();
    w.fake.script(id, { notFoundReads: { times: 2, errorCode: 'ModelArts.4359' }, reads: [running(30), succeeded] });
    const result = expectSucceeded(
      await awaitRun(
        w.client,
        (await start({ steps: [{ kind: 'export', datasetId: id, request: { path: '/bucket/out/' } }] })).workflowId,
      ),
    );
    expect(result.steps[0]!.status).toBe('SUCCESSED');
    const reads = callsOn('readStatus', id) as { fresh?: boolean }[];
    expect(reads.slice(0, 3).map((r) => r.fresh)).toEqual([true, true, true]);
  });

  it('gives no grace to a task the step waits on but did not create (wait-task): it fails at once', async () => {
    const id = dataset();
    w.fake.script(id, { notFoundReads: { times: 2, errorCode: 'ModelArts.4338' }, reads: [succeeded] });
    const run = await awaitRun(
      w.client,
      (await start({ steps: [{ kind: 'wait-task', datasetId: id, taskId: 'someone-elses' }] })).workflowId,
    );
    expect([run.outcome, run.kind]).toEqual(['failed', 'client-error']);
    expect(callsOn('readStatus', id)).toHaveLength(1);
    expect((callsOn('readStatus', id)[0] as { fresh?: boolean }).fresh).toBeUndefined();
  });

  it('ends the step as before once the grace is over (readAfterWriteGraceMs 0: no grace at all)', async () => {
    const id = dataset();
    w.fake.script(id, { notFoundReads: { times: 2, errorCode: 'ModelArts.4359' }, reads: [succeeded] });
    const run = await awaitRun(
      w.client,
      (
        await start(
          { steps: [{ kind: 'export', datasetId: id, request: { path: '/bucket/out/' } }] },
          { policy: { ...FAST_POLICY, readAfterWriteGraceMs: 0 } },
        )
      ).workflowId,
    );
    expect([run.outcome, run.kind]).toEqual(['failed', 'client-error']);
    if (run.outcome === 'succeeded') return;
    expect(run.message).toContain('ModelArts.4359');
  });

  it('a spec with a bad readAfterWriteGraceMs is refused naming the field', async () => {
    await expect(
      start(
        { steps: [{ kind: 'export', datasetId: dataset(), request: { path: '/bucket/out/' } }] },
        {
          policy: { readAfterWriteGraceMs: -5 },
        },
      ),
    ).rejects.toThrow(/readAfterWriteGraceMs must be >= 0/);
  });
});

describe('a new dataset waited for', () => {
  const toNew = (source: string, name: string) => ({
    kind: 'export',
    datasetId: source,
    request: {
      path: '/bucket/out/',
      export_params: {
        export_dest: 'NEW_DATASET',
        export_new_dataset_name: name,
        export_new_dataset_work_path: '/bucket/w/',
      },
    },
  });

  it('the next step starts only once the new dataset is normal (status 1), the phase saying so meanwhile', async () => {
    const source = dataset();
    const name = `copy-of-${source}`;
    w.fake.script(source, { reads: [succeeded] });
    w.fake.script(name, { newDatasetStatuses: [0, 0, 8, 1] });
    const { workflowId } = await start(
      { steps: [toNew(source, name), { kind: 'export', request: { path: '/bucket/coco/' } }] },
      { policy: { ...FAST_POLICY, initialDelayMs: 700, minDelayMs: 700 } },
    );
    const waiting = await eventually(async () => {
      const p = await getProgress(w.client, workflowId);
      return p?.step?.phase === 'waiting-for-dataset' ? p.step : undefined;
    });
    expect(waiting.waitingFor).toMatch(
      new RegExp(`^new dataset ${name} \\(id-of-${name}\\) to be ready \\(status (0 creating|8 importing)\\)$`),
    );
    const result = expectSucceeded(await awaitRun(w.client, workflowId));
    expect(result.steps[1]!.datasetId).toBe(`id-of-${name}`);
    // Four lookups (0, 0, 8, 1), and the next step's create only after the last of them.
    const order = w.fake.calls
      .filter(
        ([call, input]) =>
          (call === 'resolveDatasetByName' && (input as { name: string }).name === name) ||
          (call === 'createOrReattachExport' && (input as { datasetId: string }).datasetId === `id-of-${name}`),
      )
      .map(([call]) => call);
    expect(order).toEqual([
      'resolveDatasetByName',
      'resolveDatasetByName',
      'resolveDatasetByName',
      'resolveDatasetByName',
      'createOrReattachExport',
    ]);
  });

  it('fails clearly when the new dataset ends abnormal (status 4); the next step never starts', async () => {
    const source = dataset();
    const name = `broken-${source}`;
    w.fake.script(source, { reads: [succeeded] });
    w.fake.script(name, { newDatasetStatuses: [0, 4] });
    const run = await awaitRun(
      w.client,
      (await start({ steps: [toNew(source, name), { kind: 'export', request: { path: '/bucket/coco/' } }] }))
        .workflowId,
    );
    expect([run.outcome, run.kind]).toEqual(['failed', 'failed-at-modelarts']);
    if (run.outcome === 'succeeded') return;
    expect(run.message).toContain(`new dataset ${name} (id-of-${name}) is abnormal (status 4)`);
    expect(run.details).toMatchObject({ failedStep: 1 });
    expect(callsOn('createOrReattachExport', `id-of-${name}`)).toHaveLength(0);
  });

  it('fails at the deadline when the new dataset is still not ready', async () => {
    const source = dataset();
    const name = `slow-${source}`;
    w.fake.script(source, { reads: [succeeded] });
    w.fake.script(name, { newDatasetStatuses: [0] });
    const run = await awaitRun(
      w.client,
      (
        await start(
          { steps: [toNew(source, name), { kind: 'export', request: { path: '/bucket/coco/' } }] },
          { deadline: 1500 },
        )
      ).workflowId,
    );
    expect([run.outcome, run.kind]).toEqual(['timed-out', 'deadline-exceeded']);
    if (run.outcome === 'succeeded') return;
    expect(run.message).toContain(`new dataset ${name} (id-of-${name}) was still creating (status 0) at the deadline`);
  });
});
