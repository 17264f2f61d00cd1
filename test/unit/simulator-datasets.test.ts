/** Datasets, versions and import tasks against the simulator over real HTTP. */
import type { Simulator } from '../../src/simulator/index.js';
import { call, distinctRuns, pollUntil, seedDataset, startTestSimulator } from '../simulator/support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startTestSimulator({ versionReleaseIntervalMs: 300 });
});
afterAll(() => sim.close());

describe('dataset details', () => {
  it('has the fields of the docs example, with epoch-ms times and inner paths under the work path', async () => {
    const ds = seedDataset(sim, 'dataset-f9e8', {
      data_sources: [{ data_type: 0, data_path: '/test-obs/classify/input/animals/' }],
    });
    const answer = await call(sim, 'GET', `/datasets/${ds.dataset_id}`);
    expect(answer.status).toBe(200);
    const d = answer.body;
    expect(Object.keys(d)).toEqual([
      'dataset_id',
      'dataset_name',
      'dataset_type',
      'data_format',
      'next_version_num',
      'status',
      'data_sources',
      'create_time',
      'update_time',
      'description',
      'total_sample_count',
      'annotated_sample_count',
      'unconfirmed_sample_count',
      'work_path',
      'inner_work_path',
      'inner_annotation_path',
      'inner_data_path',
      'inner_log_path',
      'inner_temp_path',
      'inner_task_path',
      'work_path_type',
      'workspace_id',
      'enterprise_project_id',
      'workforce_task_count',
      'feature_supports',
      'managed',
      'import_data',
      'label_task_count',
      'dataset_format',
      'dataset_version_count',
      'content_labeling',
      'labels',
    ]);
    const inner = `/test-obs/classify/output/dataset-f9e8-${ds.dataset_id}/`;
    expect(d).toMatchObject({
      dataset_name: 'dataset-f9e8',
      dataset_type: 0,
      data_format: 'Default',
      next_version_num: 1,
      status: 1,
      data_sources: [{ data_type: 0, data_path: '/test-obs/classify/input/animals/' }],
      work_path: '/test-obs/classify/output/',
      inner_work_path: inner,
      inner_annotation_path: `${inner}annotation/`,
      inner_data_path: `${inner}data/`,
      inner_log_path: `${inner}logs/`,
      inner_temp_path: `${inner}temp/`,
      inner_task_path: `${inner}task/`,
      work_path_type: 0,
      workspace_id: '0',
      feature_supports: ['0'],
      dataset_format: 0,
      labels: [
        { name: 'Rabbits', type: 0, property: { '@modelarts:color': '#3399ff' } },
        { name: 'Bees', type: 0 },
      ],
    });
    expect(Number.isInteger(d.create_time)).toBe(true);
    expect(d).not.toHaveProperty('exist_running_task');
  });

  it('reports running tasks with check_running_task and filters them by running_task_type', async () => {
    const ds = seedDataset(sim, 'running-check');
    sim.setBehavior(ds.dataset_id, { durationMs: 10_000 });
    const exp = (await call(sim, 'POST', `/datasets/${ds.dataset_id}/export-tasks`, { body: { path: '/bkt/out/' } }))
      .body.task_id;
    const all = (await call(sim, 'GET', `/datasets/${ds.dataset_id}?check_running_task=true`)).body;
    expect(all).toMatchObject({ exist_running_task: true, running_tasks_id: [exp] });
    const labeling = (await call(sim, 'GET', `/datasets/${ds.dataset_id}?check_running_task=true&running_task_type=0`))
      .body;
    expect(labeling).toMatchObject({ exist_running_task: false, running_tasks_id: [] });
    expect((await call(sim, 'GET', `/datasets/${ds.dataset_id}?running_task_type=9`)).status).toBe(400);
  });

  it('binds query booleans the way a Java service does: True/False as openstacksdk sends them, garbage refused', async () => {
    const ds = seedDataset(sim, 'java-booleans');
    sim.setBehavior(ds.dataset_id, { durationMs: 10_000 });
    await call(sim, 'POST', `/datasets/${ds.dataset_id}/export-tasks`, { body: { path: '/bkt/out/' } });
    const python = await call(sim, 'GET', `/datasets/${ds.dataset_id}?check_running_task=True`);
    expect([python.status, python.body.exist_running_task]).toEqual([200, true]);
    expect((await call(sim, 'GET', `/datasets/${ds.dataset_id}?check_running_task=FALSE`)).status).toBe(200);
    const garbage = await call(sim, 'GET', `/datasets/${ds.dataset_id}?check_running_task=yes`);
    expect([garbage.status, garbage.body.error_code]).toEqual([400, 'ModelArts.4200']);
  });

  it('accepts null for absent optional fields, as Jackson binds them', async () => {
    const ds = seedDataset(sim, 'java-nulls');
    const created = await call(sim, 'POST', `/datasets/${ds.dataset_id}/export-tasks`, {
      body: { path: '/bkt/nulls/', export_type: null, version_id: null, export_params: null },
    });
    expect(created.status).toBe(200);
  });

  it('answers an unknown dataset with 400 ModelArts.4352', async () => {
    const answer = await call(sim, 'GET', '/datasets/doesNotExist00000000');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error_code: 'ModelArts.4352', error_msg: 'Dataset does not exist' });
  });
});

describe('dataset list', () => {
  it('matches search_content case-insensitively inside names, newest first, paging by page index', async () => {
    const names = ['zoo-cats', 'zoo-dogs', 'ZOO-birds', 'farm-cows'];
    for (const name of names) sim.createDataset({ dataset_name: name });
    const zoo = await call(sim, 'GET', '/datasets?search_content=zoo');
    expect(Object.keys(zoo.body)).toEqual(['total_number', 'datasets']);
    expect(zoo.body.total_number).toBe(3);
    expect(zoo.body.datasets.map((d: { dataset_name: string }) => d.dataset_name)).toEqual([
      'ZOO-birds',
      'zoo-dogs',
      'zoo-cats',
    ]);
    const page = await call(sim, 'GET', '/datasets?search_content=zoo&limit=2&offset=1');
    expect(page.body.datasets.map((d: { dataset_name: string }) => d.dataset_name)).toEqual(['zoo-cats']);
    expect((await call(sim, 'GET', '/datasets?search_content=zoo&dataset_type=1')).body.total_number).toBe(0);
    expect((await call(sim, 'GET', '/datasets?limit=101')).status).toBe(400);
    const defaults = await call(sim, 'GET', '/datasets');
    expect(defaults.body.datasets.length).toBeLessThanOrEqual(10);
  });
});

describe('versions', () => {
  it('creates with 201 {"version_id"}, goes 0 → 1, becomes current, and names itself V001', async () => {
    const ds = seedDataset(sim, 'versions');
    sim.queueBehavior(ds.dataset_id, { durationMs: 300, queuedMs: 0 });
    const created = await call(sim, 'POST', `/datasets/${ds.dataset_id}/versions`, {
      body: { version_format: 'Default', description: '', clear_hard_property: true },
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(['version_id']);
    const id = created.body.version_id;
    expect((await call(sim, 'GET', `/datasets/${ds.dataset_id}`)).body.status).toBe(6); // releasing
    const seen = await pollUntil(
      async () => (await call(sim, 'GET', `/datasets/${ds.dataset_id}/versions/${id}`)).body,
      (v) => v.status === 1,
    );
    expect(distinctRuns(seen.map((v) => v.status))).toEqual([0, 1]);
    const v = seen.at(-1);
    const inner = `/test-obs/classify/output/versions-${ds.dataset_id}/annotation/V001/`;
    expect(v).toMatchObject({
      version_id: id,
      version_name: 'V001',
      version_format: 'Default',
      status: 1,
      total_sample_count: 50,
      annotated_sample_count: 20,
      manifest_path: `${inner}V001.manifest`,
      data_path: `${inner}data/`,
      is_current: true,
      train_evaluate_sample_ratio: '1.00',
      remove_sample_usage: true,
      export_images: false,
      label_type: 'single',
      task_type: 0,
    });
    expect(v.label_stats.map((s: { count: number }) => s.count)).toEqual([10, 10]);
    const dataset = (await call(sim, 'GET', `/datasets/${ds.dataset_id}`)).body;
    expect(dataset).toMatchObject({
      status: 1,
      current_version_id: id,
      current_version_name: 'V001',
      dataset_version_count: 1,
      next_version_num: 2,
    });
  });

  it('allows one release per interval (ModelArts.4370), rejects duplicate names (4371), lists newest first', async () => {
    const ds = seedDataset(sim, 'version-rules');
    sim.setBehavior(ds.dataset_id, { durationMs: 50, queuedMs: 0 });
    const path = `/datasets/${ds.dataset_id}/versions`;
    const first = (await call(sim, 'POST', path, { body: { version_name: 'V004' } })).body.version_id;
    const soon = await call(sim, 'POST', path, { body: { version_name: 'V005' } });
    expect(soon.status).toBe(400);
    expect(soon.body).toEqual({
      error_code: 'ModelArts.4370',
      error_msg: 'One dataset version can be released in a minute, please try again later',
    });
    await pollUntil(
      async () => (await call(sim, 'POST', path, { body: { version_name: 'V004' } })).body.error_code,
      (c) => c === 'ModelArts.4371',
    );
    const second = (
      await pollUntil(
        async () =>
          await call(sim, 'POST', path, { body: { version_format: 'CSV', train_evaluate_sample_ratio: '0.8' } }),
        (a) => a.status === 201,
      )
    ).at(-1)!.body.version_id;
    await pollUntil(
      async () => (await call(sim, 'GET', `${path}/${second}`)).body.status,
      (s) => s === 1,
    );
    const list = (await call(sim, 'GET', path)).body;
    expect(list.total_number).toBe(2);
    expect(list.versions.map((v: { version_id: string }) => v.version_id)).toEqual([second, first]);
    expect(list.versions[0]).toMatchObject({
      version_name: 'V002',
      previous_version_id: first,
      is_current: true,
      train_evaluate_sample_ratio: '0.8',
    });
    expect(list.versions[0]).not.toHaveProperty('label_stats');
    expect(list.versions[1].is_current).toBe(false);
    expect(
      (await call(sim, 'GET', `${path}?version_format=2`)).body.versions.map(
        (v: { version_id: string }) => v.version_id,
      ),
    ).toEqual([second]);
    expect((await call(sim, 'GET', `${path}?train_evaluate_ratio=0.0,0.9`)).body.total_number).toBe(1);
    expect((await call(sim, 'GET', `${path}?status=4`)).body.total_number).toBe(0);
    expect((await call(sim, 'GET', `${path}/nope`)).body.error_code).toBe('ModelArts.4353');
    expect((await call(sim, 'POST', path, { body: { version_name: 'bad name!' } })).body.error_code).toBe(
      'ModelArts.4200',
    );
  });

  it('a failing release ends in status 4 with a message', async () => {
    const ds = seedDataset(sim, 'version-fail');
    sim.queueBehavior(ds.dataset_id, {
      durationMs: 100,
      queuedMs: 0,
      fail: { error_code: 'ModelArts.4712', error_msg: 'Dataset publish version failed' },
    });
    const id = (await call(sim, 'POST', `/datasets/${ds.dataset_id}/versions`, { body: {} })).body.version_id;
    const v = (
      await pollUntil(
        async () => (await call(sim, 'GET', `/datasets/${ds.dataset_id}/versions/${id}`)).body,
        (x) => x.status === 4,
      )
    ).at(-1);
    expect(v).toMatchObject({ status: 4, message: 'Dataset publish version failed', is_current: false });
  });
});

describe('import tasks', () => {
  const body = {
    import_type: 'dir',
    import_path: 's3://test-obs/daoLu_images/animals/',
    included_labels: [],
    import_annotations: false,
    difficult_only: false,
  };

  it('ids are {dataset_id}_{19}; QUEUING → STARTING → RUNNING → COMPLETED; fields as in the docs example', async () => {
    const ds = seedDataset(sim, 'imports');
    // Phases of 1.5 s each, so a poll sees every one even on a loaded machine.
    sim.queueBehavior(ds.dataset_id, { durationMs: 4500, queuedMs: 3000, totalSamples: 20 });
    const created = await call(sim, 'POST', `/datasets/${ds.dataset_id}/import-tasks`, { body });
    expect(created.status).toBe(200);
    const id = created.body.task_id;
    expect(id).toMatch(new RegExp(`^${ds.dataset_id}_[0-9A-Za-z]{19}$`));
    const seen = await pollUntil(
      async () => (await call(sim, 'GET', `/datasets/${ds.dataset_id}/import-tasks/${id}`)).body,
      (t) => t.status === 'COMPLETED',
    );
    expect(distinctRuns(seen.map((t) => t.status))).toEqual(['QUEUING', 'STARTING', 'RUNNING', 'COMPLETED']);
    const done = seen.at(-1);
    expect(Object.keys(done)).toEqual([
      'status',
      'task_id',
      'dataset_id',
      'import_path',
      'import_type',
      'total_sample_count',
      'imported_sample_count',
      'annotated_sample_count',
      'total_sub_sample_count',
      'imported_sub_sample_count',
      'total_file_size',
      'finished_file_count',
      'finished_file_size',
      'total_file_count',
      'update_ms',
      'create_time',
      'elapsed_time',
    ]);
    expect(done).toMatchObject({
      dataset_id: ds.dataset_id,
      import_path: 'obs://test-obs/daoLu_images/animals/',
      import_type: 0,
      total_sample_count: 20,
      imported_sample_count: 20,
      annotated_sample_count: 0,
    });
    expect(done.update_ms).toBe(done.create_time + 4500);
    expect(done).not.toHaveProperty('update_time');
    const dataset = (await call(sim, 'GET', `/datasets/${ds.dataset_id}`)).body;
    expect(dataset.total_sample_count).toBe(70);
    expect(dataset.status).toBe(1);
    const list = (await call(sim, 'GET', `/datasets/${ds.dataset_id}/import-tasks`)).body;
    expect(Object.keys(list)).toEqual(['total_count', 'import_tasks']);
    expect(list.import_tasks.map((t: { task_id: string }) => t.task_id)).toEqual([id]);
  });

  it('reports an unknown import task as status NOT_EXIST; one running import at a time (ModelArts.4356)', async () => {
    const ds = seedDataset(sim, 'imports-rules');
    sim.setBehavior(ds.dataset_id, { durationMs: 10_000 });
    const missing = await call(
      sim,
      'GET',
      `/datasets/${ds.dataset_id}/import-tasks/${ds.dataset_id}_AAAAAAAAAAAAAAAAAAA`,
    );
    expect(missing.status).toBe(200);
    expect(missing.body.status).toBe('NOT_EXIST');
    expect(
      (
        await call(sim, 'POST', `/datasets/${ds.dataset_id}/import-tasks`, {
          body: { ...body, import_type: 'manifest' },
        })
      ).status,
    ).toBe(200);
    expect((await call(sim, 'GET', `/datasets/${ds.dataset_id}`)).body.status).toBe(8); // importing
    const second = await call(sim, 'POST', `/datasets/${ds.dataset_id}/import-tasks`, { body });
    expect(second.body).toEqual({ error_code: 'ModelArts.4356', error_msg: 'Dataset already has running import task' });
  });

  it.each([
    ['no import_path', 'ModelArts.4396', { import_type: 'dir' }],
    ['bad import_type', 'ModelArts.4396', { import_path: '/bkt/in/', import_type: 'zip' }],
    ['double slash', 'ModelArts.4315', { import_path: 'obs://bkt//in/' }],
    ['not an OBS path', 'ModelArts.4313', { import_path: 'ftp://bkt/in/' }],
    ['a dot in a folder', 'ModelArts.4313', { import_path: 'obs://bkt/in.v2/' }],
    ['a space', 'ModelArts.4313', { import_path: 's3://bkt/in put/' }],
    [
      'a dot in a folder of a manifest',
      'ModelArts.4313',
      { import_path: 's3://bkt/a.b/x.manifest', import_type: 'manifest' },
    ],
    ['a dotted file name of a dir import', 'ModelArts.4313', { import_path: 's3://bkt/a/x.manifest' }],
  ])('%s → 400 %s', async (_, code, request) => {
    const ds = seedDataset(sim, `import-bad-${_.replace(/\W/g, '').slice(0, 40)}`);
    const answer = await call(sim, 'POST', `/datasets/${ds.dataset_id}/import-tasks`, { body: request });
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe(code);
  });
});
