/** Export tasks against the simulator over real HTTP: shapes per the docs' examples, life cycle, validation. */
import { ManualClock, type Simulator } from '../../src/simulator/index.js';
import { call, pollUntil, seedDataset, startTestSimulator } from '../simulator/support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startTestSimulator();
});
afterAll(() => sim.close());

const DOC_DIR_BODY = {
  path: '/test-obs/daoChu/',
  export_type: 3,
  export_params: { sample_state: '', export_dest: 'DIR' },
};
const exportsOf = (id: string) => `/datasets/${id}/export-tasks`;

async function createExport(datasetId: string, body: unknown = DOC_DIR_BODY): Promise<string> {
  const answer = await call(sim, 'POST', exportsOf(datasetId), { body });
  expect(answer.status).toBe(200);
  return answer.body.task_id;
}

describe('create', () => {
  it('answers 200 with only {"task_id"}: 19 base62 characters, as the docs example', async () => {
    const ds = seedDataset(sim, 'create-shape');
    const answer = await call(sim, 'POST', exportsOf(ds.dataset_id), { body: DOC_DIR_BODY });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body)).toEqual(['task_id']);
    expect(answer.body.task_id).toMatch(/^[0-9A-Za-z]{19}$/);
    expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(answer.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  });
});

describe('status', () => {
  it('has the fields and types of the docs example while INIT', async () => {
    const ds = seedDataset(sim, 'status-shape');
    sim.queueBehavior(ds.dataset_id, { durationMs: 60_000, queuedMs: 30_000 });
    const taskId = await createExport(ds.dataset_id);
    const answer = await call(sim, 'GET', `${exportsOf(ds.dataset_id)}/${taskId}`);
    expect(answer.status).toBe(200);
    const t = answer.body;
    expect(Object.keys(t)).toEqual([
      'task_id',
      'path',
      'export_type',
      'version_format',
      'export_format',
      'export_params',
      'status',
      'progress',
      'create_time',
      'update_time',
    ]);
    expect(t).toMatchObject({
      task_id: taskId,
      path: '/test-obs/daoChu/',
      export_type: 3,
      version_format: 'Default',
      export_format: 2,
      export_params: {
        sample_state: '',
        export_dest: 'DIR',
        clear_hard_property: true,
        train_sample_ratio: 1,
        ratio_sample_usage: false,
      },
      status: 'INIT',
      progress: 0,
    });
    // Floats keep their decimal point as the Java service writes them.
    expect(answer.text).toContain('"progress":0.0');
    expect(answer.text).toContain('"train_sample_ratio":1.0');
    expect(Number.isInteger(t.create_time)).toBe(true);
    expect(t.create_time).toBeGreaterThan(1_600_000_000_000);
    expect(t.update_time).toBeGreaterThanOrEqual(t.create_time);
    expect(t).not.toHaveProperty('total_sample_count');
    expect(t).not.toHaveProperty('error_code');
  });

  it('moves INIT → RUNNING → SUCCESSED as its clock moves; SUCCESSED has 100.0 and all samples finished', async () => {
    // Task time is driven by the clock, not by sleeping: every read below is at an exact instant.
    const clock = new ManualClock();
    const timed = await startTestSimulator({ clock });
    try {
      const ds = seedDataset(timed, 'lifecycle');
      timed.queueBehavior(ds.dataset_id, { durationMs: 1000, queuedMs: 200, progress: 'linear' });
      const created = await call(timed, 'POST', exportsOf(ds.dataset_id), { body: DOC_DIR_BODY });
      const read = async () => (await call(timed, 'GET', `${exportsOf(ds.dataset_id)}/${created.body.task_id}`)).body;
      const seen = [];
      for (const step of [0, 100, 150, 200, 200, 349, 1]) {
        clock.advance(step);
        seen.push(await read());
      }
      // Reads at 0, 100, 250, 450, 650, 999 and 1000 ms: queued for 200 ms, then 800 ms of linear running
      // (progress has two decimals), then done.
      expect(seen.map((t) => [t.status, t.progress])).toEqual([
        ['INIT', 0],
        ['INIT', 0],
        ['RUNNING', 6.25],
        ['RUNNING', 31.25],
        ['RUNNING', 56.25],
        ['RUNNING', 99.87],
        ['SUCCESSED', 100],
      ]);
      for (const t of seen.slice(0, -1)) expect(t).not.toHaveProperty('finished_sample_count');
      const done = seen.at(-1);
      expect(done.total_sample_count).toBe(20); // export_type 3 over the 20 labeled samples
      expect(done.finished_sample_count).toBe(done.total_sample_count);
      const raw = await call(timed, 'GET', `${exportsOf(ds.dataset_id)}/${created.body.task_id}`);
      expect(raw.text).toContain('"progress":100.0');
      expect(raw.body.update_time).toBe(raw.body.create_time + 1000);
      // Timestamps come from the same clock.
      expect(raw.body.create_time).toBe(clock.now() - 1000);
    } finally {
      await timed.close();
    }
  });

  it('answers STOPPING and STOPPED, or a status no document lists, when a behaviour asks for them', async () => {
    const clock = new ManualClock();
    const timed = await startTestSimulator({ clock });
    try {
      const ds = seedDataset(timed, 'stopping');
      const statuses = async (behavior: Record<string, unknown>) => {
        timed.queueBehavior(ds.dataset_id, { durationMs: 1000, queuedMs: 0, progress: 'linear', ...behavior });
        const created = await call(timed, 'POST', exportsOf(ds.dataset_id), { body: DOC_DIR_BODY });
        const seen = [];
        for (const step of [500, 500]) {
          clock.advance(step);
          seen.push((await call(timed, 'GET', `${exportsOf(ds.dataset_id)}/${created.body.task_id}`)).body);
        }
        return seen.map((t) => [t.status, t.progress]);
      };
      expect(await statuses({ exportRunningStatus: 'STOPPING', exportEndStatus: 'STOPPED' })).toEqual([
        ['STOPPING', 50],
        ['STOPPED', 99.99],
      ]);
      expect(await statuses({ exportRunningStatus: 'PAUSED' })).toEqual([
        ['PAUSED', 50],
        ['SUCCESSED', 100],
      ]);
      const refused = await call(timed, 'PUT', '/_sim/datasets/' + ds.dataset_id + '/behavior', {
        body: { exportEndStatus: 'DONE' },
      });
      expect(refused.status).toBe(400);
    } finally {
      await timed.close();
    }
  });

  it('ends FAILED with the behaviour error code and message', async () => {
    const clock = new ManualClock();
    const timed = await startTestSimulator({ clock });
    try {
      const ds = seedDataset(timed, 'failing');
      timed.queueBehavior(ds.dataset_id, {
        durationMs: 300,
        queuedMs: 50,
        fail: { error_code: 'ModelArts.4401', error_msg: 'Failed to export data.' },
      });
      const created = await call(timed, 'POST', exportsOf(ds.dataset_id), { body: DOC_DIR_BODY });
      clock.advance(299);
      const before = (await call(timed, 'GET', `${exportsOf(ds.dataset_id)}/${created.body.task_id}`)).body;
      expect(before.status).toBe('RUNNING');
      clock.advance(1);
      const last = (await call(timed, 'GET', `${exportsOf(ds.dataset_id)}/${created.body.task_id}`)).body;
      expect(last).toMatchObject({
        status: 'FAILED',
        error_code: 'ModelArts.4401',
        error_msg: 'Failed to export data.',
      });
      expect(last.progress).toBeLessThan(100);
      expect(last.finished_sample_count).toBeLessThan(last.total_sample_count);
    } finally {
      await timed.close();
    }
  });

  it.each([
    ['linear', (p: number[]) => expect(new Set(p).size).toBeGreaterThan(3)],
    ['stepwise', (p: number[]) => p.forEach((v) => expect([0, 25, 50, 75]).toContain(v))],
    ['stalled-then-jump', (p: number[]) => p.forEach((v) => expect(v).toBeLessThanOrEqual(30))],
    ['none', (p: number[]) => p.forEach((v) => expect(v).toBe(0))],
  ] as const)('progress shape %s while RUNNING, then 100.0', async (shape, check) => {
    const ds = seedDataset(sim, `shape-${shape}`);
    sim.queueBehavior(ds.dataset_id, { durationMs: 800, queuedMs: 0, progress: shape, steps: 4 });
    const taskId = await createExport(ds.dataset_id);
    const seen = await pollUntil(
      async () => (await call(sim, 'GET', `${exportsOf(ds.dataset_id)}/${taskId}`)).body,
      (t) => t.status === 'SUCCESSED',
      15,
    );
    const running = seen.filter((t) => t.status === 'RUNNING').map((t) => t.progress as number);
    expect(running.length).toBeGreaterThan(3);
    check(running);
    expect(seen.at(-1).progress).toBe(100);
  });

  it('answers 400 ModelArts.4359 for an unknown task and ModelArts.4352 for an unknown dataset', async () => {
    const ds = seedDataset(sim, 'unknowns');
    const task = await call(sim, 'GET', `${exportsOf(ds.dataset_id)}/AAAAAAAAAAAAAAAAAAA`);
    expect(task.status).toBe(400);
    expect(task.body).toEqual({ error_code: 'ModelArts.4359', error_msg: 'Export task does not exist' });
    const dataset = await call(sim, 'GET', `${exportsOf('nope0000000000000000')}/x`);
    expect(dataset.status).toBe(400);
    expect(dataset.body).toEqual({ error_code: 'ModelArts.4352', error_msg: 'Dataset does not exist' });
    const post = await call(sim, 'POST', exportsOf('nope0000000000000000'), { body: DOC_DIR_BODY });
    expect(post.body.error_code).toBe('ModelArts.4352');
  });

  it('does not find a task under another dataset', async () => {
    const a = seedDataset(sim, 'owner-a');
    const b = seedDataset(sim, 'owner-b');
    const taskId = await createExport(a.dataset_id);
    expect((await call(sim, 'GET', `${exportsOf(b.dataset_id)}/${taskId}`)).body.error_code).toBe('ModelArts.4359');
  });
});

describe('list', () => {
  it('lists newest first as {total_count, export_tasks}, filters by export_type, pages by page index', async () => {
    const ds = seedDataset(sim, 'listing');
    const ids: string[] = [];
    for (const exportType of [0, 1, 0, 2])
      ids.push(await createExport(ds.dataset_id, { path: '/test-obs/out/', export_type: exportType }));
    const all = await call(sim, 'GET', exportsOf(ds.dataset_id));
    expect(Object.keys(all.body)).toEqual(['total_count', 'export_tasks']);
    expect(all.body.total_count).toBe(4);
    expect(all.body.export_tasks.map((t: { task_id: string }) => t.task_id)).toEqual([...ids].reverse());
    const labeled = await call(sim, 'GET', `${exportsOf(ds.dataset_id)}?export_type=0`);
    expect(labeled.body.total_count).toBe(2);
    expect(labeled.body.export_tasks.map((t: { task_id: string }) => t.task_id)).toEqual([ids[2], ids[0]]);
    const page1 = await call(sim, 'GET', `${exportsOf(ds.dataset_id)}?limit=3&offset=1`);
    expect(page1.body.total_count).toBe(4);
    expect(page1.body.export_tasks.map((t: { task_id: string }) => t.task_id)).toEqual([ids[0]]);
  });

  it.each(['limit=0', 'limit=101', 'limit=x', 'offset=-1', 'export_type=4'])('rejects %s with 400', async (query) => {
    const ds = seedDataset(sim, `bad-query-${query.replace(/\W/g, '')}`);
    const answer = await call(sim, 'GET', `${exportsOf(ds.dataset_id)}?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe('ModelArts.4200');
  });
});

describe('NEW_DATASET', () => {
  const body = {
    path: '/test-obs/classify/input/',
    export_type: 3,
    export_params: {
      sample_state: '',
      export_dest: 'NEW_DATASET',
      export_new_dataset_name: 'dataset-export-test',
      export_new_dataset_work_path: '/test-obs/classify/output/',
    },
  };

  it('refuses a work path that is the export path or lies under it, as the user guide says', async () => {
    const ds = seedDataset(sim, 'work-under-export');
    for (const work of ['/bkt/exp/', '/bkt/exp/new/']) {
      const answer = await call(sim, 'POST', exportsOf(ds.dataset_id), {
        body: {
          path: '/bkt/exp/',
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: `n${work.length}`,
            export_new_dataset_work_path: work,
          },
        },
      });
      expect([answer.status, answer.body.error_code]).toEqual([400, 'ModelArts.4358']);
    }
    expect(sim.counters().byDataset[ds.dataset_id]?.exportCreates ?? 0).toBe(0);
  });

  it('echoes the new dataset fields and creates the dataset, findable by name, when it succeeds', async () => {
    const ds = seedDataset(sim, 'new-dataset-source');
    sim.queueBehavior(ds.dataset_id, { durationMs: 300, queuedMs: 50 });
    const taskId = await createExport(ds.dataset_id, body);
    const search = async () => (await call(sim, 'GET', '/datasets?search_content=export-test')).body;
    expect((await search()).total_number).toBe(0);
    const seen = await pollUntil(
      async () => (await call(sim, 'GET', `${exportsOf(ds.dataset_id)}/${taskId}`)).body,
      (t) => t.status === 'SUCCESSED',
    );
    expect(Object.keys(seen.at(-1).export_params)).toEqual([
      'sample_state',
      'export_dest',
      'export_new_dataset_name',
      'export_new_dataset_work_path',
      'clear_hard_property',
      'train_sample_ratio',
      'ratio_sample_usage',
    ]);
    const found = await search();
    expect(found.total_number).toBe(1);
    const created = found.datasets[0];
    expect(created).toMatchObject({
      dataset_name: 'dataset-export-test',
      work_path: '/test-obs/classify/output/',
      data_sources: [{ data_type: 0, data_path: '/test-obs/classify/input/' }],
      status: 1,
      total_sample_count: 20,
      annotated_sample_count: 20,
      labels: ds.labels,
    });
    expect(created.dataset_id).toMatch(/^[0-9A-Za-z]{19}$/);
    expect(created.create_time).toBe(seen.at(-1).update_time);
    expect((await call(sim, 'GET', `/datasets/${created.dataset_id}`)).body.dataset_name).toBe('dataset-export-test');
    // The name is taken now.
    const again = await call(sim, 'POST', exportsOf(ds.dataset_id), { body });
    expect(again.body).toEqual({ error_code: 'ModelArts.4351', error_msg: 'Dataset already exists' });
  });

  it('does not create the dataset when the export fails', async () => {
    const ds = seedDataset(sim, 'new-dataset-failing');
    sim.queueBehavior(ds.dataset_id, {
      durationMs: 200,
      queuedMs: 0,
      fail: { error_code: 'ModelArts.4710', error_msg: 'Dataset export file error' },
    });
    const taskId = await createExport(ds.dataset_id, {
      ...body,
      export_params: { ...body.export_params, export_new_dataset_name: 'never-created' },
    });
    await pollUntil(
      async () => (await call(sim, 'GET', `${exportsOf(ds.dataset_id)}/${taskId}`)).body,
      (t) => t.status === 'FAILED',
    );
    expect((await call(sim, 'GET', '/datasets?search_content=never-created')).body.total_number).toBe(0);
  });
});

describe('validation', () => {
  let datasetId: string;
  beforeAll(() => {
    datasetId = seedDataset(sim, 'validation').dataset_id;
  });

  const base = { path: '/bucket/dir/', export_type: 0 };
  it.each([
    ['export_type out of range', { ...base, export_type: 4 }],
    ['export_type not a number', { ...base, export_type: 'labeled' }],
    ['export_format 3', { ...base, export_format: 3 }],
    ['annotation_format YOLO', { ...base, annotation_format: 'YOLO' }],
    ['version_format XML', { ...base, version_format: 'XML' }],
    ['CarbonData on an image dataset', { ...base, version_format: 'CarbonData' }],
    ['sample_state unknown', { ...base, sample_state: '__SOME__' }],
    ['export_dest unknown', { ...base, export_params: { export_dest: 'S3' } }],
    [
      'NEW_DATASET without a name',
      { ...base, export_params: { export_dest: 'NEW_DATASET', export_new_dataset_work_path: '/b/out/' } },
    ],
    [
      'NEW_DATASET without a work path',
      { ...base, export_params: { export_dest: 'NEW_DATASET', export_new_dataset_name: 'x1' } },
    ],
    [
      'NEW_DATASET with a bad name',
      {
        ...base,
        export_params: {
          export_dest: 'NEW_DATASET',
          export_new_dataset_name: 'a b',
          export_new_dataset_work_path: '/b/out/',
        },
      },
    ],
    ['train_sample_ratio 1.5', { ...base, export_params: { train_sample_ratio: '1.5' } }],
    ['train_sample_ratio text', { ...base, export_params: { train_sample_ratio: 'most' } }],
    ['clear_hard_property as string', { ...base, export_params: { clear_hard_property: 'yes' } }],
    [
      'sample_dir without trailing slash',
      { ...base, export_params: { search_conditions: [{ sample_dir: 'images' }] } },
    ],
    [
      'two labels without op',
      { ...base, export_params: { search_conditions: [{ label_list: { labels: [{ name: 'a' }, { name: 'b' }] } }] } },
    ],
    ['missing path', { export_type: 0 }],
    ['export_params not an object', { ...base, export_params: [] }],
  ])('%s → 400 ModelArts.4384', async (_, body) => {
    const answer = await call(sim, 'POST', exportsOf(datasetId), { body });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error_code: 'ModelArts.4384', error_msg: 'Invalid export parameter' });
  });

  it.each([
    ['no leading slash or scheme', 'bucket/dir/'],
    ['double slash', '/bucket//dir/'],
    ['bad bucket name', '/B_ucket/dir/'],
    ['http scheme', 'http://bucket/dir/'],
    ['a control character', '/bucket/a\tb/'],
    ['more than 1,024 bytes', `/bucket/${'x'.repeat(1020)}/`],
  ])('path with %s → 400 ModelArts.4358', async (_, path) => {
    const answer = await call(sim, 'POST', exportsOf(datasetId), { body: { path, export_type: 0 } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error_code: 'ModelArts.4358', error_msg: 'Invalid export path' });
  });

  it.each([
    ['a dot', '/bucket/out.v2/'],
    ['a dot in the bucket name', 'obs://my.bucket/out/'],
    ['a ".." folder', '/bucket/../etc/'],
    ['a question mark', '/bucket/dir?/'],
    ['a space', 's3://bucket/a b/'],
    ['a non-ASCII letter', '/bucket/daten-ä/'],
  ])(
    'a path with %s (outside digits, letters, "-", "_", "/") → 400 ModelArts.4313, for the work path too',
    async (_, path) => {
      const answer = await call(sim, 'POST', exportsOf(datasetId), { body: { path, export_type: 0 } });
      expect([answer.status, answer.body]).toEqual([
        400,
        { error_code: 'ModelArts.4313', error_msg: 'OBS path is invalid' },
      ]);
      const work = await call(sim, 'POST', exportsOf(datasetId), {
        body: {
          path: '/bucket/out/',
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: 'chars-work',
            export_new_dataset_work_path: path.replace('/out/', '/new/'),
          },
        },
      });
      expect([work.status, work.body.error_code]).toEqual([400, 'ModelArts.4313']);
    },
  );

  it('accepts those characters when told the region accepts more (obsPathCharacters: "any")', async () => {
    const lenient = await startTestSimulator({ obsPathCharacters: 'any' });
    try {
      const ds = seedDataset(lenient, 'chars-any');
      for (const path of ['/bucket/out.v2/', 'obs://my.bucket/a b/', '/bucket/daten-ä/']) {
        const answer = await call(lenient, 'POST', exportsOf(ds.dataset_id), { body: { path } });
        expect([path, answer.status]).toEqual([path, 200]);
      }
      // Structure still counts: `//` and control characters.
      expect((await call(lenient, 'POST', exportsOf(ds.dataset_id), { body: { path: '/b-1//x/' } })).status).toBe(400);
      expect((await call(lenient, 'POST', exportsOf(ds.dataset_id), { body: { path: '/b-1/a\nb/' } })).status).toBe(
        400,
      );
    } finally {
      await lenient.close();
    }
  });

  it('accepts obs:// and s3:// paths, integer strings for ints, a numeric ratio, and null as absent', async () => {
    for (const body of [
      { path: 'obs://bucket/dir/', export_type: '2' },
      { path: 's3://bucket/dir', export_params: { train_sample_ratio: 0.8, sample_state: null } },
    ]) {
      expect((await call(sim, 'POST', exportsOf(datasetId), { body })).status).toBe(200);
    }
  });

  it('rejects an unknown version_id with ModelArts.4353 and a NEW_DATASET work path at the bucket root with 4205', async () => {
    expect(
      (await call(sim, 'POST', exportsOf(datasetId), { body: { ...base, version_id: 'nope' } })).body.error_code,
    ).toBe('ModelArts.4353');
    const root = await call(sim, 'POST', exportsOf(datasetId), {
      body: {
        ...base,
        export_params: {
          export_dest: 'NEW_DATASET',
          export_new_dataset_name: 'root-ds',
          export_new_dataset_work_path: '/bucket/',
        },
      },
    });
    expect(root.body.error_code).toBe('ModelArts.4205');
  });

  it.each([
    ['malformed JSON', '{"path": '],
    ['an array', '[]'],
    ['an empty body', ''],
  ])('%s → 400 ModelArts.4105', async (_, rawBody) => {
    const answer = await call(sim, 'POST', exportsOf(datasetId), { rawBody });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error_code: 'ModelArts.4105',
      error_msg: 'Incorrect JSON format of the input data.',
    });
  });

  it('answers unknown routes with 404 ModelArts.4204', async () => {
    const answer = await call(sim, 'DELETE', exportsOf(datasetId));
    expect(answer.status).toBe(404);
    expect(answer.body.error_code).toBe('ModelArts.4204');
  });
});
