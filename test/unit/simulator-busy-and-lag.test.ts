/**
 * The simulator when the service is busy or slow, over real HTTP with a manual clock: imports refused while a
 * version is released (4343) or another import runs (4356), tasks missing from reads for a while after their create
 * (`visibleAfterMs`), and a NEW_DATASET export's dataset that is not ready at once (`newDatasetReadyMs`).
 */
import { ManualClock, type Simulator } from '../../src/simulator/index.js';
import { call, seedDataset, startTestSimulator } from '../simulator/support.js';

let sim: Simulator;
const clock = new ManualClock();
beforeAll(async () => {
  sim = await startTestSimulator({ clock, versionReleaseIntervalMs: 0 });
});
afterAll(() => sim.close());

const importBody = { import_path: 's3://test-obs/classify/input/batch/', import_type: 'dir' };

describe('import refusals, as the import page and the appendix word them', () => {
  it('refuses an import while a version of the dataset is being released (400 ModelArts.4343), then accepts it', async () => {
    const ds = seedDataset(sim, 'busy-publishing');
    sim.setBehavior(ds.dataset_id, { durationMs: 5_000, queuedMs: 0 });
    expect((await call(sim, 'POST', `/datasets/${ds.dataset_id}/versions`, { body: {} })).status).toBe(201);
    expect((await call(sim, 'GET', `/datasets/${ds.dataset_id}`)).body.status).toBe(6); // releasing
    const refused = await call(sim, 'POST', `/datasets/${ds.dataset_id}/import-tasks`, { body: importBody });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error_code: 'ModelArts.4343',
      error_msg: 'Dataset is publishing, the operation is forbidden',
    });
    expect(sim.counters().byDataset[ds.dataset_id]?.importCreates).toBe(0);
    clock.advance(5_000);
    const accepted = await call(sim, 'POST', `/datasets/${ds.dataset_id}/import-tasks`, { body: importBody });
    expect(accepted.status).toBe(200);
    expect(accepted.body.task_id).toMatch(new RegExp(`^${ds.dataset_id}_`));
  });

  it('refuses an import while another import runs (400 ModelArts.4356), then accepts it', async () => {
    const ds = seedDataset(sim, 'busy-importing');
    sim.setBehavior(ds.dataset_id, { durationMs: 5_000, queuedMs: 0 });
    expect((await call(sim, 'POST', `/datasets/${ds.dataset_id}/import-tasks`, { body: importBody })).status).toBe(200);
    const refused = await call(sim, 'POST', `/datasets/${ds.dataset_id}/import-tasks`, { body: importBody });
    expect([refused.status, refused.body]).toEqual([
      400,
      { error_code: 'ModelArts.4356', error_msg: 'Dataset already has running import task' },
    ]);
    clock.advance(5_000);
    expect((await call(sim, 'POST', `/datasets/${ds.dataset_id}/import-tasks`, { body: importBody })).status).toBe(200);
    expect(sim.counters().byDataset[ds.dataset_id]?.importCreates).toBe(2);
  });
});

describe('visibleAfterMs: reads lag writes', () => {
  it('hides a new export, import, intelligent task and version from get and list until then', async () => {
    const ds = seedDataset(sim, 'lagging');
    sim.setBehavior(ds.dataset_id, { durationMs: 60_000, visibleAfterMs: 2_000 });
    const base = `/datasets/${ds.dataset_id}`;
    const ex = (await call(sim, 'POST', `${base}/export-tasks`, { body: { path: '/test-obs/out/lag/' } })).body.task_id;
    const im = (await call(sim, 'POST', `${base}/import-tasks`, { body: importBody })).body.task_id;
    const task = (
      await call(sim, 'POST', `${base}/tasks`, { body: { task_type: 'auto-grouping', config: { n_clusters: 2 } } })
    ).body.task_id;
    // The version on a dataset of its own: the import above keeps this one busy.
    const other = seedDataset(sim, 'lagging-versions');
    sim.setBehavior(other.dataset_id, { durationMs: 60_000, visibleAfterMs: 2_000 });
    const version = (await call(sim, 'POST', `/datasets/${other.dataset_id}/versions`, { body: {} })).body.version_id;
    expect([ex, im, task, version].every((id) => typeof id === 'string')).toBe(true);

    const hidden = async () => ({
      exportGet: (await call(sim, 'GET', `${base}/export-tasks/${ex}`)).body.error_code,
      exportList: (await call(sim, 'GET', `${base}/export-tasks`)).body.total_count,
      importGet: (await call(sim, 'GET', `${base}/import-tasks/${im}`)).body.status,
      importList: (await call(sim, 'GET', `${base}/import-tasks`)).body.total_count,
      taskGet: (await call(sim, 'GET', `${base}/tasks/${task}`)).body.error_code,
      taskList: (await call(sim, 'GET', `${base}/tasks?type=auto-grouping`)).body.total_count,
      versionGet: (await call(sim, 'GET', `/datasets/${other.dataset_id}/versions/${version}`)).body.error_code,
      versionList: (await call(sim, 'GET', `/datasets/${other.dataset_id}/versions`)).body.total_number,
    });
    expect(await hidden()).toEqual({
      exportGet: 'ModelArts.4359',
      exportList: 0,
      importGet: 'NOT_EXIST',
      importList: 0,
      taskGet: 'ModelArts.4338',
      taskList: 0,
      versionGet: 'ModelArts.4353',
      versionList: 0,
    });
    // It exists meanwhile: a second import is refused as the first one runs.
    expect((await call(sim, 'POST', `${base}/import-tasks`, { body: importBody })).body.error_code).toBe(
      'ModelArts.4356',
    );
    clock.advance(2_000);
    const shown = await hidden();
    expect(shown).toEqual({
      exportGet: undefined,
      exportList: 1,
      importGet: 'RUNNING',
      importList: 1,
      taskGet: undefined,
      taskList: 1,
      versionGet: undefined,
      versionList: 1,
    });
  });

  it('is refused by the admin API when negative, naming the field', async () => {
    const ds = seedDataset(sim, 'lag-bad');
    const answer = await call(sim, 'PUT', `/_sim/datasets/${ds.dataset_id}/behavior`, { body: { visibleAfterMs: -1 } });
    expect(answer.status).toBe(400);
    expect(answer.body.error_msg).toMatch(/visibleAfterMs/);
  });
});

describe('newDatasetReadyMs: a new dataset that is not ready at once', () => {
  const exportToNew = (name: string) => ({
    path: `/test-obs/out/${name}/`,
    export_params: {
      export_dest: 'NEW_DATASET',
      export_new_dataset_name: name,
      export_new_dataset_work_path: `/test-obs/work/${name}/`,
    },
  });
  const byName = async (name: string) =>
    (await call(sim, 'GET', `/datasets?search_content=${name}`)).body.datasets.find(
      (d: { dataset_name: string }) => d.dataset_name === name,
    );

  it('is status 0 (creating) after the export succeeds, then 1 (normal)', async () => {
    const ds = seedDataset(sim, 'ready-later-src');
    sim.setBehavior(ds.dataset_id, { durationMs: 1_000, queuedMs: 0, newDatasetReadyMs: 3_000 });
    const created = await call(sim, 'POST', `/datasets/${ds.dataset_id}/export-tasks`, {
      body: exportToNew('ready-later'),
    });
    expect(created.status).toBe(200);
    clock.advance(1_000);
    const task = (await call(sim, 'GET', `/datasets/${ds.dataset_id}/export-tasks/${created.body.task_id}`)).body;
    expect(task.status).toBe('SUCCESSED');
    expect((await byName('ready-later')).status).toBe(0);
    clock.advance(3_000);
    const ready = await byName('ready-later');
    expect(ready.status).toBe(1);
    expect((await call(sim, 'GET', `/datasets/${ready.dataset_id}`)).body.status).toBe(1);
  });

  it('ends 4 (abnormal) with newDatasetAbnormal', async () => {
    const ds = seedDataset(sim, 'abnormal-src');
    sim.setBehavior(ds.dataset_id, {
      durationMs: 1_000,
      queuedMs: 0,
      newDatasetReadyMs: 1_000,
      newDatasetAbnormal: true,
    });
    await call(sim, 'POST', `/datasets/${ds.dataset_id}/export-tasks`, { body: exportToNew('abnormal-new') });
    clock.advance(1_000);
    expect((await byName('abnormal-new')).status).toBe(0);
    clock.advance(1_000);
    expect((await byName('abnormal-new')).status).toBe(4);
  });

  it('answers a duplicate new-dataset name with 400 ModelArts.4351 and creates nothing', async () => {
    const ds = seedDataset(sim, 'dup-src');
    seedDataset(sim, 'taken-name');
    const answer = await call(sim, 'POST', `/datasets/${ds.dataset_id}/export-tasks`, {
      body: exportToNew('taken-name'),
    });
    expect([answer.status, answer.body]).toEqual([
      400,
      { error_code: 'ModelArts.4351', error_msg: 'Dataset already exists' },
    ]);
    expect(sim.counters().byDataset[ds.dataset_id]?.exportCreates ?? 0).toBe(0);
  });
});
