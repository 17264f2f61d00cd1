/**
 * The activities when the service is busy or slow, as Temporal runs them (MockActivityEnvironment), over the real
 * client and the simulator on real HTTP: busy refusals answered as `busy` (and when not), the new-dataset name
 * checked before an export to a new dataset, fresh status reads that report "not found" instead of failing, and the
 * new dataset's status from its lookup.
 */
import type { Simulator } from '../../src/simulator/index.js';
import { type ActivityEnv, failureOf, runActivity, runStart, startActivityEnv } from '../support/activity-env.js';
import { eventually, labeledDataset } from '../support/harness.js';

let sim: Simulator;
let activities: ActivityEnv['activities'];
beforeAll(async () => {
  ({ sim, activities } = await startActivityEnv(
    { accessKey: 'SERVICEWAITSKEY00001', secretKey: 'service-waits-secret-0001' },
    { seed: 13, versionReleaseIntervalMs: 0 },
  ));
});
afterAll(() => sim.close());

const importInput = (datasetId: string, path = 's3://bucket/batch/') => ({
  datasetId,
  request: { import_path: path },
  stepStartedAtMs: Date.now(),
});

describe('busy refusals of a create', () => {
  it('an import while a version is being released answers busy with ModelArts.4343, creating nothing', async () => {
    const ds = labeledDataset(sim, 'busy-release');
    sim.setBehavior(ds.dataset_id, { durationMs: 60_000 });
    await runStart(activities.publishOrReattachVersion, [
      { datasetId: ds.dataset_id, request: {}, marker: 'other-run-s1-00000000', stepStartedAtMs: Date.now() },
    ]);
    const answer = await runActivity(activities.createOrReattachImport, [importInput(ds.dataset_id)]);
    expect(answer).toEqual({
      busy: true,
      errorCode: 'ModelArts.4343',
      errorMsg: 'Dataset is publishing, the operation is forbidden',
      reason: 'a version of the dataset is being published',
    });
    // Not our own kind of operation: a retry (after an earlier attempt's lost answer) waits it out as well.
    expect(await runActivity(activities.createOrReattachImport, [importInput(ds.dataset_id)], 2)).toMatchObject({
      busy: true,
      errorCode: 'ModelArts.4343',
    });
    expect(sim.counters().byDataset[ds.dataset_id]?.importCreates).toBe(0);
  });

  it("an import while someone else's import runs answers busy with 4356; on a retry it fails (it may be ours)", async () => {
    const ds = labeledDataset(sim, 'busy-import');
    sim.setBehavior(ds.dataset_id, { durationMs: 60_000 });
    await runStart(activities.createOrReattachImport, [importInput(ds.dataset_id, 's3://bucket/theirs/')]);
    expect(await runActivity(activities.createOrReattachImport, [importInput(ds.dataset_id)])).toEqual({
      busy: true,
      errorCode: 'ModelArts.4356',
      errorMsg: 'Dataset already has running import task',
      reason: 'another import is running on the dataset',
    });
    const retry = await failureOf(runActivity(activities.createOrReattachImport, [importInput(ds.dataset_id)], 2));
    expect([retry.type, retry.nonRetryable]).toEqual(['ModelArtsClientError', true]);
    expect(retry.message).toMatch(/ModelArts\.4356/);
    expect(sim.counters().byDataset[ds.dataset_id]?.importCreates).toBe(1);
  });

  it('a version release while another is published answers busy with 4343 on the first attempt only', async () => {
    const ds = labeledDataset(sim, 'busy-version');
    sim.setBehavior(ds.dataset_id, { durationMs: 60_000 });
    const input = (marker: string) => ({ datasetId: ds.dataset_id, request: {}, marker, stepStartedAtMs: Date.now() });
    await runStart(activities.publishOrReattachVersion, [input('run-a-s1-00000000')]);
    expect(await runActivity(activities.publishOrReattachVersion, [input('run-b-s1-00000000')])).toMatchObject({
      busy: true,
      errorCode: 'ModelArts.4343',
    });
    const retry = await failureOf(runActivity(activities.publishOrReattachVersion, [input('run-b-s1-00000000')], 2));
    expect(retry.message).toMatch(/ModelArts\.4343/);
  });
});

describe('an export to a new dataset whose name is taken', () => {
  const toNew = (datasetId: string, name: string, folder: string) => ({
    datasetId,
    request: {
      path: `/bucket/out/${folder}/`,
      export_params: {
        export_dest: 'NEW_DATASET' as const,
        export_new_dataset_name: name,
        export_new_dataset_work_path: `/bucket/work/${folder}/`,
      },
    },
  });
  const exportPosts = (datasetId: string) =>
    sim.requests().filter((r) => r.datasetId === datasetId && r.api.startsWith('POST') && r.api.includes('export'));

  it('fails before it POSTs anything, naming ModelArts.4351 and the name', async () => {
    const ds = labeledDataset(sim, 'name-check-src');
    const taken = sim.createDataset({ dataset_name: 'already-there' });
    const failure = await failureOf(
      runActivity(activities.createOrReattachExport, [toNew(ds.dataset_id, 'already-there', 'run-1-s1-aaaaaaaa')]),
    );
    expect([failure.type, failure.nonRetryable]).toEqual(['ModelArtsClientError', true]);
    expect(failure.message).toContain('ModelArts.4351');
    expect(failure.message).toContain('already-there');
    expect(failure.message).toContain(taken.dataset_id);
    expect(failure.details?.[0]).toMatchObject({ errorCode: 'ModelArts.4351' });
    expect(exportPosts(ds.dataset_id)).toEqual([]);
  });

  it('still reattaches on a retry when the name is taken by the dataset our own export made', async () => {
    const ds = labeledDataset(sim, 'name-check-retry');
    sim.setBehavior(ds.dataset_id, { durationMs: 200, queuedMs: 0 });
    const input = toNew(ds.dataset_id, 'made-by-us', 'run-2-s1-bbbbbbbb');
    const first = await runStart(activities.createOrReattachExport, [input]);
    await eventually(() =>
      runActivity(activities.resolveDatasetByName, [{ name: 'made-by-us' }]).catch(() => undefined),
    );
    expect(await runStart(activities.createOrReattachExport, [input], 2)).toEqual({
      taskId: first.taskId,
      reattached: true,
    });
    expect(sim.counters().byDataset[ds.dataset_id]?.exportCreates).toBe(1);
    expect(exportPosts(ds.dataset_id)).toHaveLength(1);
  });
});

describe('fresh status reads (within the grace after our own create)', () => {
  it('report a task the service does not show yet as not found; without `fresh` the read fails as before', async () => {
    const ds = labeledDataset(sim, 'fresh-reads');
    sim.setBehavior(ds.dataset_id, { durationMs: 60_000, visibleAfterMs: 60_000 });
    const { taskId } = await runStart(activities.createOrReattachExport, [
      { datasetId: ds.dataset_id, request: { path: '/bucket/fresh/run-3-s1-cccccccc/' } },
    ]);
    const ref = { kind: 'export' as const, datasetId: ds.dataset_id, taskId };
    expect(await runActivity(activities.readStatus, [{ ...ref, fresh: true }])).toMatchObject({
      ok: false,
      notFound: true,
      errorCode: 'ModelArts.4359',
    });
    const failure = await failureOf(runActivity(activities.readStatus, [ref]));
    expect([failure.type, failure.nonRetryable]).toEqual(['ModelArtsClientError', true]);
    expect(failure.message).toMatch(/ModelArts\.4359/);
  });

  it("report an import's NOT_EXIST as not found; without `fresh` it is the terminal NOT_EXIST as before", async () => {
    const ds = labeledDataset(sim, 'fresh-import');
    sim.setBehavior(ds.dataset_id, { durationMs: 60_000, visibleAfterMs: 60_000 });
    const { taskId } = await runStart(activities.createOrReattachImport, [importInput(ds.dataset_id)]);
    const ref = { kind: 'import' as const, datasetId: ds.dataset_id, taskId };
    expect(await runActivity(activities.readStatus, [{ ...ref, fresh: true }])).toMatchObject({
      ok: false,
      notFound: true,
      errorCode: 'NOT_EXIST',
    });
    expect(await runActivity(activities.readStatus, [ref])).toMatchObject({
      ok: true,
      status: 'NOT_EXIST',
      terminal: true,
      outcome: 'failed',
    });
  });
});

describe('resolveDatasetByName', () => {
  it("returns the new dataset's status: 0 while it is being made ready", async () => {
    const ds = labeledDataset(sim, 'status-src');
    sim.setBehavior(ds.dataset_id, { durationMs: 100, queuedMs: 0, newDatasetReadyMs: 60_000 });
    await runStart(activities.createOrReattachExport, [
      {
        datasetId: ds.dataset_id,
        request: {
          path: '/bucket/out/run-4-s1-dddddddd/',
          export_params: {
            export_dest: 'NEW_DATASET' as const,
            export_new_dataset_name: 'not-ready-yet',
            export_new_dataset_work_path: '/bucket/work/not-ready-yet/',
          },
        },
      },
    ]);
    const found = await eventually(() =>
      runActivity(activities.resolveDatasetByName, [{ name: 'not-ready-yet' }]).catch(() => undefined),
    );
    expect(found).toEqual({ datasetId: expect.any(String), status: 0 });
  });
});
