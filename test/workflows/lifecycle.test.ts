/**
 * The import and publish-version steps in the fast tier (stub activities, fake-modelarts.ts): the chain that hands
 * a published version to an export, reattach after a create whose answer was lost, cancel and failure.
 */
import { awaitRun, EXPORT_PIPELINE_TYPE, getProgress, startRun } from '../../src/client/runs.js';
import { eventually, expectSucceeded, FAST_POLICY } from '../support/harness.js';
import { running, startInProcessWorker, succeeded, unknown, type InProcessWorker } from './fake-modelarts.js';
import { runMarker } from '../../src/workflows/marker.js';

let w: InProcessWorker;
beforeAll(async () => {
  w = await startInProcessWorker();
});
afterAll(async () => w?.close());

let n = 0;
const dataset = () => `lc${++n}-${Date.now()}`;
const start = (spec: Record<string, unknown>) =>
  startRun(w.client, { wait: { policy: FAST_POLICY, deadline: '1m' }, ...spec }, { taskQueue: w.taskQueue });
const importStep = (datasetId: string) => ({
  kind: 'import',
  datasetId,
  request: { import_path: 'obs://bucket/batch/', import_type: 'dir' },
});
const publish = { kind: 'publish-version', request: { version_name: 'v1', description: 'nightly' } };
const published = { ...succeeded, status: '1', label: 'normal', versionName: 'v1' };

describe('import and publish-version steps', () => {
  it('chain: import, publish a version, export exactly that version', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [running(50), published] });
    const { workflowId } = await start({
      steps: [importStep(id), publish, { kind: 'export', version: 'previous', request: { path: '/bucket/v/' } }],
    });
    const result = expectSucceeded(await awaitRun(w.client, workflowId));
    expect(result.steps.map((s) => [s.kind, s.datasetId, s.taskId, s.reattached])).toEqual([
      ['import', id, `import-of-${id}`, false],
      ['publish-version', id, `version-of-${id}`, false],
      ['export', id, `task-of-${id}`, false],
    ]);
    expect(result.steps[1]).toMatchObject({ versionId: `version-of-${id}`, versionName: 'v1', status: '1' });
    expect(result.steps[2]!.versionId).toBe(`version-of-${id}`);

    const imports = w.fake.callsOf('createOrReattachImport') as { datasetId: string; request: unknown }[];
    expect(imports.filter((c) => c.datasetId === id).map((c) => c.request)).toEqual([importStep(id).request]);
    // The version carries the run's marker in its description (how a retry finds it).
    const versions = w.fake.callsOf('publishOrReattachVersion') as {
      datasetId: string;
      marker: string;
      request: { description: string };
    }[];
    const version = versions.find((c) => c.datasetId === id)!;
    const { runId } = await w.client.workflow.getHandle(workflowId).describe();
    expect(version.marker).toBe(runMarker(workflowId, 1, runId));
    expect(version.request.description).toBe(`nightly [modelarts-temporal:${version.marker}]`);
    const exportsOf = w.fake.callsOf('createOrReattachExport') as {
      datasetId: string;
      request: { version_id?: string };
    }[];
    expect(exportsOf.find((c) => c.datasetId === id)!.request.version_id).toBe(`version-of-${id}`);
    // Each kind is read from its own API.
    const reads = (w.fake.callsOf('readStatus') as { datasetId: string; kind: string }[]).filter(
      (r) => r.datasetId === id,
    );
    expect(new Set(reads.map((r) => r.kind))).toEqual(new Set(['import', 'version', 'export']));
  });

  it('reattaches when a create is retried after its answer was lost, with one task each', async () => {
    const imp = dataset();
    const ver = dataset();
    w.fake.script(imp, { reads: [succeeded], lostAnswers: 1 });
    w.fake.script(ver, { reads: [published], lostAnswers: 1 });
    const [a, b] = await Promise.all([
      start({ steps: [importStep(imp)] }),
      start({ steps: [{ ...publish, datasetId: ver }] }),
    ]);
    const [ra, rb] = [
      expectSucceeded(await awaitRun(w.client, a.workflowId)),
      expectSucceeded(await awaitRun(w.client, b.workflowId)),
    ];
    expect([ra.steps[0]!.reattached, rb.steps[0]!.reattached]).toEqual([true, true]);
    expect([ra.steps[0]!.taskId, rb.steps[0]!.versionId]).toEqual([`import-of-${imp}`, `version-of-${ver}`]);
    // The retry is the same activity again (same input): what it finds is what the first attempt created.
    const retried = (name: 'createOrReattachImport' | 'publishOrReattachVersion', datasetId: string) =>
      (w.fake.callsOf(name) as { datasetId: string }[]).filter((c) => c.datasetId === datasetId);
    expect(retried('createOrReattachImport', imp)).toHaveLength(2);
    expect(retried('createOrReattachImport', imp)[0]).toEqual(retried('createOrReattachImport', imp)[1]);
    expect(retried('publishOrReattachVersion', ver)).toHaveLength(2);
    expect(retried('publishOrReattachVersion', ver)[0]).toEqual(retried('publishOrReattachVersion', ver)[1]);
  });

  it('is cancelled: an import and a version release are left running and named, nothing is stopped', async () => {
    const imp = dataset();
    const ver = dataset();
    w.fake.script(imp, { reads: [{ ...running(5), status: 'RUNNING' }] });
    w.fake.script(ver, { reads: [{ ...running(0), status: '0', label: 'creating' }] });
    const a = await start({ steps: [importStep(imp)] });
    const b = await start({ steps: [{ ...publish, datasetId: ver }] });
    for (const { workflowId } of [a, b]) {
      await eventually(
        async () => ((await getProgress(w.client, workflowId)).step?.statusReads ?? 0) >= 1 || undefined,
      );
    }
    await Promise.all([a.handle.cancel(), b.handle.cancel()]);
    const [ra, rb] = await Promise.all([awaitRun(w.client, a.workflowId), awaitRun(w.client, b.workflowId)]);
    expect([ra.kind, rb.kind]).toEqual(['cancelled', 'cancelled']);
    if (ra.outcome === 'succeeded' || rb.outcome === 'succeeded') return;
    expect(ra.details).toMatchObject({ failedStep: 1, taskId: `import-of-${imp}`, leftRunning: `import-of-${imp}` });
    expect(ra.message).toContain(`import task import-of-${imp} left running (ModelArts cannot cancel imports)`);
    expect(rb.details).toMatchObject({ failedStep: 1, taskId: `version-of-${ver}`, leftRunning: `version-of-${ver}` });
    expect(rb.message).toContain(`version version-of-${ver} left publishing`);
    const stops = w.fake.callsOf('stopTask') as { datasetId: string }[];
    expect(stops.filter((s) => s.datasetId === imp || s.datasetId === ver)).toEqual([]);
  });

  it('fails when the version ends in error, with the service message', async () => {
    const id = dataset();
    w.fake.script(id, {
      reads: [
        { ...running(0), status: '0' },
        { status: '4', label: 'error', terminal: true, outcome: 'failed', progress: 0, errorMsg: 'no labeled samples' },
      ],
    });
    const run = await awaitRun(w.client, (await start({ steps: [{ ...publish, datasetId: id }] })).workflowId);
    expect([run.outcome, run.kind]).toEqual(['failed', 'failed-at-modelarts']);
    if (run.outcome === 'succeeded') return;
    expect(run.details).toMatchObject({ failedStep: 1, taskId: `version-of-${id}`, errorMsg: 'no labeled samples' });
    expect(run.message).toContain(`version version-of-${id} on dataset ${id} ended 4: no labeled samples`);
  });

  it('names the import left running when it keeps answering a status no document lists', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [unknown('PAUSED')] });
    const { workflowId } = await startRun(
      w.client,
      { steps: [importStep(id)], wait: { policy: FAST_POLICY, deadline: '1h', unknownStatusLimitMs: 1000 } },
      { taskQueue: w.taskQueue },
    );
    const run = await awaitRun(w.client, workflowId);
    if (run.outcome === 'succeeded') throw new Error('expected a failure');
    expect(run.details).toMatchObject({ taskId: `import-of-${id}`, leftRunning: `import-of-${id}` });
  });

  it('fails a spec that skipped validation when version "previous" has no version to take, creating nothing', async () => {
    const id = dataset();
    const handle = await w.client.workflow.start(EXPORT_PIPELINE_TYPE, {
      taskQueue: w.taskQueue,
      workflowId: `unvalidated-${id}`,
      args: [{ steps: [{ kind: 'export', datasetId: id, version: 'previous', request: { path: '/bucket/v/' } }] }],
    });
    const run = await awaitRun(w.client, handle.workflowId);
    expect([run.outcome, run.kind]).toEqual(['failed', 'invalid-spec']);
    if (run.outcome === 'succeeded') return;
    expect(run.message).toContain(
      "step 1 exports version 'previous', but no earlier publish-version step published one",
    );
    expect(
      w.fake.callsOf('createOrReattachExport').filter((c) => (c as { datasetId: string }).datasetId === id),
    ).toEqual([]);
  });
});
