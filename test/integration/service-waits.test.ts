/**
 * When the service is busy or slow, end to end: real dev server, real worker process, simulator over HTTP. An import
 * refused while a version is released (4343) or while another import runs (4356) is waited out; a task the service
 * shows a while after its create is read again; a NEW_DATASET export's dataset is waited for before the next step;
 * a new-dataset name already taken fails before anything is created.
 */
import { awaitRun, startRun } from '../../src/client/runs.js';
import { AkSkAuth } from '../../src/modelarts/auth.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import {
  createHarness,
  CREDENTIALS,
  expectSucceeded,
  FAST_POLICY,
  labeledDataset,
  type Harness,
} from '../support/harness.js';

let h: Harness;
let client: ModelArtsClient;
beforeAll(async () => {
  h = await createHarness({ versionReleaseIntervalMs: 0 });
  await h.startWorker();
  client = new ModelArtsClient({ endpoint: h.sim.url, projectId: h.sim.projectId, auth: new AkSkAuth(CREDENTIALS) });
});
afterAll(() => h?.close());

const wait = { policy: FAST_POLICY, deadline: '2m' };
const run = (steps: Record<string, unknown>[]) => startRun(h.client, { steps, wait }, { taskQueue: h.taskQueue });
/** The requests the simulator's gateway saw for `api` on the dataset, refused ones included. */
const requests = (datasetId: string, api: string) =>
  h.sim.requests().filter((r) => r.datasetId === datasetId && r.api === api);

describe('busy refusals are waited out', () => {
  it('an import refused with ModelArts.4343 while a version is being released succeeds once it is', async () => {
    const ds = labeledDataset(h.sim, 'e2e-busy-release');
    // Someone else's release, still publishing when the run starts.
    h.sim.queueBehavior(ds.dataset_id, { durationMs: 3_000, queuedMs: 0 });
    const { version_id } = await client.createVersion(ds.dataset_id, { version_name: 'theirs' });
    const { workflowId } = await run([
      { kind: 'import', datasetId: ds.dataset_id, request: { import_path: 's3://bucket/new-batch/' } },
    ]);
    const [step] = expectSucceeded(await awaitRun(h.client, workflowId)).steps;
    expect([step!.status, step!.reattached]).toEqual(['COMPLETED', false]);
    expect((await client.getVersion(ds.dataset_id, version_id)).status).toBe(1);
    // Refused at least once (while publishing), then created exactly once.
    expect(requests(ds.dataset_id, 'POST import-tasks').length).toBeGreaterThanOrEqual(2);
    expect(h.sim.counters().byDataset[ds.dataset_id]?.importCreates).toBe(1);
  });

  it('an import refused with ModelArts.4356 while another import runs succeeds after it', async () => {
    const ds = labeledDataset(h.sim, 'e2e-busy-import');
    h.sim.queueBehavior(ds.dataset_id, { durationMs: 3_000, queuedMs: 0 });
    const theirs = await client.createImportTask(ds.dataset_id, { import_path: 's3://bucket/their-batch/' });
    const { workflowId } = await run([
      { kind: 'import', datasetId: ds.dataset_id, request: { import_path: 's3://bucket/our-batch/' } },
    ]);
    const [step] = expectSucceeded(await awaitRun(h.client, workflowId)).steps;
    expect(step!.status).toBe('COMPLETED');
    expect(step!.taskId).not.toBe(theirs.task_id);
    expect(requests(ds.dataset_id, 'POST import-tasks').length).toBeGreaterThanOrEqual(3);
    expect(h.sim.counters().byDataset[ds.dataset_id]?.importCreates).toBe(2);
  });
});

describe('read-after-write', () => {
  it('an export the service shows only a while after its create is read again, and succeeds', async () => {
    const ds = h.sim.createDataset({ dataset_name: 'e2e-lagging' });
    h.sim.setBehavior(ds.dataset_id, { durationMs: 3_000, visibleAfterMs: 1_500 });
    const { workflowId } = await run([{ kind: 'export', datasetId: ds.dataset_id, request: { path: '/bucket/out/' } }]);
    const [step] = expectSucceeded(await awaitRun(h.client, workflowId)).steps;
    expect([step!.status, step!.reattached]).toEqual(['SUCCESSED', false]);
    // Some reads found no such task (4359), then the task was shown; one task was created.
    const reads = requests(ds.dataset_id, 'GET export-tasks/{taskId}').length;
    expect(reads).toBeGreaterThan(h.sim.counters().byDataset[ds.dataset_id]!.exportStatusReads);
    expect(h.sim.counters().byDataset[ds.dataset_id]?.exportCreates).toBe(1);
  });
});

describe('the new dataset of a NEW_DATASET export', () => {
  const toNew = (datasetId: string, name: string) => ({
    kind: 'export',
    datasetId,
    request: {
      path: '/bucket/out/',
      export_params: {
        export_dest: 'NEW_DATASET',
        export_new_dataset_name: name,
        export_new_dataset_work_path: `/bucket/work/${name}/`,
      },
    },
  });

  it('is waited for until it is normal: the next step starts only then', async () => {
    const ds = labeledDataset(h.sim, 'e2e-new-src');
    h.sim.setBehavior(ds.dataset_id, { durationMs: 1_000, queuedMs: 0, newDatasetReadyMs: 3_000 });
    const { workflowId } = await run([
      toNew(ds.dataset_id, 'e2e-new-copy'),
      { kind: 'export', request: { path: '/bucket/coco/', annotation_format: 'COCO' } },
    ]);
    const [made, next] = expectSucceeded(await awaitRun(h.client, workflowId)).steps;
    expect(next!.datasetId).toBe(made!.newDatasetId);
    const exported = await client.getExportTask(ds.dataset_id, made!.taskId);
    const nextTask = await client.getExportTask(next!.datasetId, next!.taskId);
    // The new dataset appeared when the export ended and was ready 3 s later; the next export was created after.
    expect(nextTask.create_time).toBeGreaterThanOrEqual(exported.update_time! + 3_000);
    expect((await client.getDataset(made!.newDatasetId!)).status).toBe(1);
  });

  it('a name already taken fails the run before anything is created, naming ModelArts.4351 and the name', async () => {
    const ds = labeledDataset(h.sim, 'e2e-dup-src');
    h.sim.createDataset({ dataset_name: 'e2e-taken' });
    const { workflowId } = await run([toNew(ds.dataset_id, 'e2e-taken')]);
    const outcome = await awaitRun(h.client, workflowId);
    expect([outcome.outcome, outcome.kind]).toEqual(['failed', 'client-error']);
    if (outcome.outcome === 'succeeded') return;
    expect(outcome.message).toContain('ModelArts.4351');
    expect(outcome.message).toContain('e2e-taken');
    expect(outcome.details).toMatchObject({ failedStep: 1, errorCode: 'ModelArts.4351' });
    expect(requests(ds.dataset_id, 'POST export-tasks')).toEqual([]);
    expect(h.sim.counters().byDataset[ds.dataset_id]?.exportCreates ?? 0).toBe(0);
  });
});
