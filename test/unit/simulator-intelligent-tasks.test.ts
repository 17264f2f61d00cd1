/** Intelligent tasks against the simulator over real HTTP: status integers, string times, stop, auto-label export. */
import type { Simulator } from '../../src/simulator/index.js';
import { call, distinctRuns, pollUntil, seedDataset, startTestSimulator } from '../simulator/support.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startTestSimulator();
});
afterAll(() => sim.close());

const tasksOf = (id: string) => `/datasets/${id}/tasks`;
const AUTO_LABEL = { task_type: 'auto-label', collect_key_sample: true, config: { algorithm_type: 'fast' } };
const PRE_LABEL = {
  task_type: 'pre-label',
  model_id: 'c4989033-7584-44ee-a180-1c476b810e46',
  collect_key_sample: true,
  config: { inf_config_list: [{ specification: 'modelarts.vm.cpu.2u', instance_count: 1 }] },
};
const AUTO_GROUPING = {
  task_type: 'auto-grouping',
  config: {
    n_clusters: '2',
    ambiguity: false,
    image_brightness: false,
    image_colorfulness: false,
    property: 'size',
    result_type: 1,
  },
};

async function start(datasetId: string, body: unknown): Promise<string> {
  const answer = await call(sim, 'POST', tasksOf(datasetId), { body });
  expect(answer.status).toBe(200);
  expect(Object.keys(answer.body)).toEqual(['task_id']);
  expect(answer.body.task_id).toMatch(/^[0-9A-Za-z]{19}$/);
  return answer.body.task_id;
}

const read = async (datasetId: string, taskId: string) =>
  (await call(sim, 'GET', `${tasksOf(datasetId)}/${taskId}`)).body;

it('starts the three documented example requests', async () => {
  for (const [i, body] of [AUTO_LABEL, PRE_LABEL, AUTO_GROUPING].entries())
    await start(seedDataset(sim, `examples-${i}`).dataset_id, body);
});

it('auto-label: -1 → 0 → 1 → 3, with the shapes and codes of the docs example', async () => {
  const ds = seedDataset(sim, 'auto-label-life');
  sim.queueBehavior(ds.dataset_id, { durationMs: 900, queuedMs: 300 });
  const taskId = await start(ds.dataset_id, AUTO_LABEL);
  const seen = await pollUntil(
    () => read(ds.dataset_id, taskId),
    (t) => t.status === 3,
  );
  expect(distinctRuns(seen.map((t) => t.status))).toEqual([-1, 0, 1, 3]);

  const running = seen.find((t) => t.status === 1 && t.code === 'ModelArts.4902');
  expect(Object.keys(running)).toEqual([
    'task_id',
    'resource_id',
    'create_time',
    'progress',
    'status',
    'message',
    'code',
    'elapsed_time',
    'result',
    'export_type',
    'config',
  ]);
  expect(running).toMatchObject({
    task_id: taskId,
    resource_id: ds.dataset_id,
    elapsed_time: 0,
    result: { total_sample_count: 50, annotated_sample_count: 20 },
    export_type: 0,
    config: {
      ambiguity: false,
      worker_server_num: 0,
      collect_sample: false,
      algorithm_type: 'fast',
      image_brightness: false,
      image_colorfulness: false,
    },
  });
  expect(running.message).toMatch(/^Start to export annotations\. Export task id is [0-9A-Za-z]{19}$/);
  expect(running.create_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  expect(seen[0]).toMatchObject({ status: -1, code: 'ModelArts.4914', progress: 0 });

  const done = seen.at(-1);
  expect(done).toMatchObject({
    status: 3,
    progress: 100,
    code: 'ModelArts.4996',
    message: 'task executed successfully.',
  });
  expect(done.elapsed_time).toBeGreaterThanOrEqual(0);
  expect(done.result.unconfirmed_sample_count).toBe(30);
  const raw = await call(sim, 'GET', `${tasksOf(ds.dataset_id)}/${taskId}`);
  expect(raw.text).toContain('"progress":100.0');
});

it('auto-label creates its own export task, visible in the dataset export-task list', async () => {
  const ds = seedDataset(sim, 'auto-label-export');
  sim.queueBehavior(ds.dataset_id, { durationMs: 1000, queuedMs: 0 });
  const taskId = await start(ds.dataset_id, AUTO_LABEL);
  const task = await read(ds.dataset_id, taskId);
  const exportId = /Export task id is (\w+)/.exec(task.message)?.[1];
  expect(exportId).toBeDefined();
  const list = await call(sim, 'GET', `/datasets/${ds.dataset_id}/export-tasks`);
  expect(list.body.total_count).toBe(1);
  expect(list.body.export_tasks[0]).toMatchObject({
    task_id: exportId,
    export_type: 0,
    export_params: { sample_state: '__ALL__', export_dest: 'DIR' },
  });
  const exportTask = await pollUntil(
    async () => (await call(sim, 'GET', `/datasets/${ds.dataset_id}/export-tasks/${exportId}`)).body,
    (t) => t.status === 'SUCCESSED',
  );
  expect(exportTask.at(-1).total_sample_count).toBe(20);
  // It is not counted as a client create.
  expect(sim.counters().byDataset[ds.dataset_id]?.exportCreates).toBe(0);
});

it('stop gives 4 (stopping) then 5 (stopped) with progress frozen; a finished task answers 400 ModelArts.4393', async () => {
  const ds = seedDataset(sim, 'stop');
  sim.queueBehavior(ds.dataset_id, { durationMs: 10_000, queuedMs: 0, stopMs: 300 });
  const taskId = await start(ds.dataset_id, AUTO_LABEL);
  await pollUntil(
    () => read(ds.dataset_id, taskId),
    (t) => t.progress > 0,
  );
  const stop = await call(sim, 'POST', `${tasksOf(ds.dataset_id)}/${taskId}/stop`);
  expect(stop.status).toBe(204);
  expect(stop.text).toBe('');
  expect(stop.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  // Stopping a task that is already stopping is accepted again.
  expect((await call(sim, 'POST', `${tasksOf(ds.dataset_id)}/${taskId}/stop`)).status).toBe(204);
  const seen = await pollUntil(
    () => read(ds.dataset_id, taskId),
    (t) => t.status === 5,
  );
  expect(distinctRuns(seen.map((t) => t.status))).toEqual([4, 5]);
  expect(new Set(seen.map((t) => t.progress)).size).toBe(1);
  expect(seen.at(-1)).toMatchObject({ code: 'ModelArts.4393', message: 'Task stopped' });
  const again = await call(sim, 'POST', `${tasksOf(ds.dataset_id)}/${taskId}/stop`);
  expect(again.status).toBe(400);
  expect(again.body).toEqual({ error_code: 'ModelArts.4393', error_msg: 'Task stopped' });
  expect(sim.counters().byTask[taskId]?.stops).toBe(2);
});

it('a failing task ends with status 2 and its error code in code and error_code', async () => {
  const ds = seedDataset(sim, 'task-fail');
  sim.queueBehavior(ds.dataset_id, {
    durationMs: 200,
    queuedMs: 0,
    fail: { error_code: 'ModelArts.4917', error_msg: 'Failed to execute the auto labeling task.' },
  });
  const taskId = await start(ds.dataset_id, AUTO_LABEL);
  const [last] = (
    await pollUntil(
      () => read(ds.dataset_id, taskId),
      (t) => t.status === 2,
    )
  ).slice(-1);
  expect(last).toMatchObject({
    code: 'ModelArts.4917',
    error_code: 'ModelArts.4917',
    error_msg: 'Failed to execute the auto labeling task.',
  });
  const stop = await call(sim, 'POST', `${tasksOf(ds.dataset_id)}/${taskId}/stop`);
  expect(stop.body.error_code).toBe('ModelArts.4393');
});

it('auto-grouping and pre-label report their own informational codes', async () => {
  const ds = seedDataset(sim, 'codes');
  sim.setBehavior(ds.dataset_id, { durationMs: 200, queuedMs: 0 });
  const grouping = await start(ds.dataset_id, AUTO_GROUPING);
  const prelabel = await start(ds.dataset_id, PRE_LABEL);
  const g = (
    await pollUntil(
      () => read(ds.dataset_id, grouping),
      (t) => t.status === 3,
    )
  ).at(-1);
  expect(g).toMatchObject({ code: 'ModelArts.4962', config: { n_clusters: 2, property: 'size', result_type: 1 } });
  const p = (
    await pollUntil(
      () => read(ds.dataset_id, prelabel),
      (t) => t.status === 3,
    )
  ).at(-1);
  expect(p).toMatchObject({ code: 'ModelArts.4996', message: 'prelabel task execute successfully.' });
});

it('lists auto-label and pre-label tasks by default, newest first, in the docs list shape', async () => {
  const ds = seedDataset(sim, 'task-list');
  sim.setBehavior(ds.dataset_id, { durationMs: 100, queuedMs: 0 });
  const a = await start(ds.dataset_id, AUTO_LABEL);
  await pollUntil(
    () => read(ds.dataset_id, a),
    (t) => t.status === 3,
  );
  const g = await start(ds.dataset_id, AUTO_GROUPING);
  const p = await start(ds.dataset_id, PRE_LABEL);
  const list = await call(sim, 'GET', `${tasksOf(ds.dataset_id)}?offset=0&limit=10`);
  expect(Object.keys(list.body)).toEqual(['tasks', 'total_count', 'exist_running_deploy_task']);
  expect(list.body.total_count).toBe(2);
  expect(list.body.tasks.map((t: { task_id: string }) => t.task_id)).toEqual([p, a]);
  expect(list.body.tasks[0]).toMatchObject({ dataset_id: ds.dataset_id, type: 1, model_id: PRE_LABEL.model_id });
  const auto = list.body.tasks[1];
  expect(auto).toMatchObject({
    type: 0,
    status: 3,
    progress: 100,
    total_sample_count: 50,
    annotated_sample_count: 20,
    model_name: 'Supervisory',
    model_version: '0.0.1',
  });
  expect(typeof auto.create_time).toBe('string');
  expect(Object.keys(auto).slice(0, 8)).toEqual([
    'dataset_id',
    'task_id',
    'type',
    'create_time',
    'status',
    'code',
    'message',
    'elapsed_time',
  ]);
  const grouping = await call(sim, 'GET', `${tasksOf(ds.dataset_id)}?type=auto-grouping`);
  expect(grouping.body.tasks.map((t: { task_id: string; type: number }) => [t.task_id, t.type])).toEqual([[g, 2]]);
  expect((await call(sim, 'GET', `${tasksOf(ds.dataset_id)}?type=labeling`)).status).toBe(400);
  expect(
    (await call(sim, 'GET', `${tasksOf(ds.dataset_id)}?limit=1&offset=1`)).body.tasks.map(
      (t: { task_id: string }) => t.task_id,
    ),
  ).toEqual([a]);
});

describe('errors', () => {
  it('unknown task → 400 ModelArts.4338 on read and stop', async () => {
    const ds = seedDataset(sim, 'unknown-task');
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/stop'],
    ] as const) {
      const answer = await call(sim, method, `${tasksOf(ds.dataset_id)}/AAAAAAAAAAAAAAAAAAA${suffix}`);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error_code: 'ModelArts.4338', error_msg: 'The resource not exists' });
    }
  });

  it('checks the documented auto-labeling preconditions', async () => {
    const noLabels = sim.createDataset({
      dataset_name: 'no-labels',
      total_sample_count: 50,
      annotated_sample_count: 20,
    });
    expect((await call(sim, 'POST', tasksOf(noLabels.dataset_id), { body: AUTO_LABEL })).body.error_code).toBe(
      'ModelArts.4405',
    );
    const few = seedDataset(sim, 'few-labeled', { annotated_sample_count: 6 });
    expect((await call(sim, 'POST', tasksOf(few.dataset_id), { body: AUTO_LABEL })).body.error_code).toBe(
      'ModelArts.4406',
    );
    const allLabeled = seedDataset(sim, 'all-labeled', { annotated_sample_count: 50 });
    expect((await call(sim, 'POST', tasksOf(allLabeled.dataset_id), { body: AUTO_LABEL })).body.error_code).toBe(
      'ModelArts.4407',
    );
  });

  it('refuses a second running auto-label task with 501 ModelArts.4386', async () => {
    const ds = seedDataset(sim, 'twice');
    sim.setBehavior(ds.dataset_id, { durationMs: 10_000 });
    await start(ds.dataset_id, AUTO_LABEL);
    const second = await call(sim, 'POST', tasksOf(ds.dataset_id), { body: AUTO_LABEL });
    expect(second.status).toBe(501);
    expect(second.body).toEqual({ error_code: 'ModelArts.4386', error_msg: 'Auto labeling task exist' });
  });

  it.each([
    ['unknown task_type', { task_type: 'auto-magic' }],
    ['missing task_type', { config: {} }],
    ['bad algorithm_type', { task_type: 'auto-label', config: { algorithm_type: 'slow' } }],
    ['pre-label without a model', { task_type: 'pre-label' }],
  ])('%s → 400 ModelArts.4200', async (_, body) => {
    const ds = seedDataset(sim, `bad-${_.replace(/\W/g, '')}`);
    const answer = await call(sim, 'POST', tasksOf(ds.dataset_id), { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error_code).toBe('ModelArts.4200');
  });

  it('n_clusters not below the sample count → ModelArts.4622', async () => {
    const ds = seedDataset(sim, 'clusters');
    const answer = await call(sim, 'POST', tasksOf(ds.dataset_id), {
      body: { task_type: 'auto-grouping', config: { n_clusters: 50 } },
    });
    expect(answer.body.error_code).toBe('ModelArts.4622');
  });
});
