/**
 * The ModelArts client against the simulator over real HTTP: every call, every auth mode (the simulator verifies
 * signatures and tokens), every error class, pagination. No mocks.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { AkSkAuth, IamPasswordAuth, TokenAuth, type AuthProvider } from '../../src/modelarts/auth.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import {
  classifyError,
  ModelArtsApiError,
  ModelArtsNetworkError,
  ModelArtsValidationError,
} from '../../src/modelarts/errors.js';
import type { CreateExportTaskRequest, Dataset, ExportTask } from '../../src/modelarts/types.js';

const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const TEMP_AK = 'TEMPORARYACCESSKEY01';
const TEMP_SK = 'temporary-secret-key-0123456789';
const SECURITY_TOKEN = 'security-token-abcdefghijklmnop';
const USER = { name: 'alice', password: 'alice-password-123', domainName: 'OTC-EU-DE-0001', projectName: 'eu-de' };
const STATIC_TOKEN = 'static-token-0123456789abcdef';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Awaits a promise that must reject, returning the error. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

async function untilTerminal(client: ModelArtsClient, datasetId: string, taskId: string): Promise<ExportTask> {
  for (let i = 0; i < 200; i++) {
    const task = await client.getExportTask(datasetId, taskId);
    if (task.status === 'SUCCESSED' || task.status === 'FAILED') return task;
    await sleep(25);
  }
  throw new Error('export did not finish');
}

let sim: Simulator;
let akskClient: ModelArtsClient;
const logLines: string[] = [];

function client(
  auth: AuthProvider,
  extra: Partial<ConstructorParameters<typeof ModelArtsClient>[0]> = {},
  target: Simulator = sim,
) {
  return new ModelArtsClient({ endpoint: target.url, projectId: target.projectId, auth, ...extra });
}

function iamAuth(target: Simulator, password = USER.password) {
  return new IamPasswordAuth({
    iamEndpoint: target.iamUrl,
    username: USER.name,
    password,
    domainName: USER.domainName,
    projectName: USER.projectName,
  });
}

/** A dataset auto labeling can run on: one label, enough labeled and some unlabeled samples. */
function labelableDataset(name: string, behavior = {}): Dataset {
  return sim.createDataset({
    dataset_name: name,
    labels: [{ name: 'cat', type: 0 }],
    total_sample_count: 40,
    annotated_sample_count: 20,
    behavior: { durationMs: 300, progress: 'linear', ...behavior },
  });
}

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    credentials: [
      { accessKey: AK, secretKey: SK },
      { accessKey: TEMP_AK, secretKey: TEMP_SK, securityToken: SECURITY_TOKEN },
    ],
    users: [USER],
    staticTokens: [STATIC_TOKEN],
    defaults: { durationMs: 200, progress: 'linear' },
    versionReleaseIntervalMs: 0,
  });
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString());
        callback();
      },
    }),
  );
  akskClient = client(new AkSkAuth({ accessKey: AK, secretKey: SK }), { logger });
});

afterAll(async () => {
  await sim.close();
});

afterEach(() => {
  sim.setFaults({});
});

describe('every call, AK/SK signed', () => {
  it('export tasks: create, get until SUCCESSED, list', async () => {
    const ds = sim.createDataset({ dataset_name: 'export-basic', total_sample_count: 10, annotated_sample_count: 8 });
    const request: CreateExportTaskRequest = {
      path: '/bucket-a/out/basic/',
      export_type: 0,
      export_format: 2,
      annotation_format: 'VOC',
      export_params: {
        export_dest: 'DIR',
        sample_state: '__ALL__',
        train_sample_ratio: '0.80',
        clear_hard_property: true,
      },
    };
    const { task_id } = await akskClient.createExportTask(ds.dataset_id, request);
    expect(task_id).toMatch(/^\w+$/);

    const first = await akskClient.getExportTask(ds.dataset_id, task_id);
    expect(['INIT', 'RUNNING', 'SUCCESSED']).toContain(first.status);
    expect(typeof first.create_time).toBe('number');

    const done = await untilTerminal(akskClient, ds.dataset_id, task_id);
    expect(done).toMatchObject({
      task_id,
      status: 'SUCCESSED',
      progress: 100,
      path: request.path,
      export_type: 0,
      export_format: 2,
    });
    // train_sample_ratio goes out as a string and comes back as a number.
    expect(done.export_params?.train_sample_ratio).toBe(0.8);

    const list = await akskClient.listExportTasks(ds.dataset_id, { export_type: 0 });
    expect(list.total_count).toBe(1);
    expect(list.export_tasks[0]?.task_id).toBe(task_id);
  });

  it('a NEW_DATASET export is then found by name', async () => {
    const ds = sim.createDataset({ dataset_name: 'chain-source', total_sample_count: 5, annotated_sample_count: 5 });
    const { task_id } = await akskClient.createExportTask(ds.dataset_id, {
      path: 'obs://bucket-a/chain/in/',
      export_type: 0,
      export_params: {
        export_dest: 'NEW_DATASET',
        export_new_dataset_name: 'chain-target',
        export_new_dataset_work_path: 's3://bucket-a/chain/out/',
      },
    });
    expect(await akskClient.findDatasetByName('chain-target')).toBeUndefined();
    expect((await untilTerminal(akskClient, ds.dataset_id, task_id)).status).toBe('SUCCESSED');
    const found = await akskClient.findDatasetByName('chain-target');
    expect(found?.dataset_name).toBe('chain-target');
    expect(found?.dataset_id).not.toBe(ds.dataset_id);
  });

  it('intelligent tasks: start, get, list, stop (204)', async () => {
    const ds = labelableDataset('auto-label-ds', { durationMs: 60_000, stopMs: 100 });
    const { task_id } = await akskClient.startTask(ds.dataset_id, {
      task_type: 'auto-label',
      collect_key_sample: true,
      config: { algorithm_type: 'fast' },
    });

    const task = await akskClient.getTask(ds.dataset_id, task_id);
    expect([-1, 0, 1]).toContain(task.status);
    expect(task.create_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const list = await akskClient.listTasks(ds.dataset_id, { type: 'auto-label', limit: 10, offset: 0 });
    expect(list.total_count).toBe(1);
    expect(list.tasks[0]?.task_id).toBe(task_id);

    await expect(akskClient.stopTask(ds.dataset_id, task_id)).resolves.toBeUndefined();
    expect((await akskClient.getTask(ds.dataset_id, task_id)).status).toBe(4);
    await sleep(150);
    expect((await akskClient.getTask(ds.dataset_id, task_id)).status).toBe(5);

    // Stopping a finished task is a 400 with ModelArts' code, not retryable.
    const err = await failure(akskClient.stopTask(ds.dataset_id, task_id));
    expect(err).toBeInstanceOf(ModelArtsApiError);
    expect((err as ModelArtsApiError).errorCode).toBe('ModelArts.4393');
    expect(classifyError(err).retryable).toBe(false);
  });

  it('datasets: get (with running-task check), list, find by name', async () => {
    const ds = sim.createDataset({
      dataset_name: 'details-ds',
      total_sample_count: 3,
      annotated_sample_count: 1,
      behavior: { durationMs: 60_000 },
    });
    const got = await akskClient.getDataset(ds.dataset_id);
    expect(got).toMatchObject({
      dataset_id: ds.dataset_id,
      dataset_name: 'details-ds',
      status: 1,
      total_sample_count: 3,
    });
    expect(typeof got.create_time).toBe('number');

    const { task_id } = await akskClient.createExportTask(ds.dataset_id, { path: '/bucket-a/details/' });
    const checked = await akskClient.getDataset(ds.dataset_id, { check_running_task: true, running_task_type: 2 });
    expect(checked.exist_running_task).toBe(true);
    expect(checked.running_tasks_id).toContain(task_id);

    const list = await akskClient.listDatasets({ search_content: 'details-ds', limit: 10 });
    expect(list.total_number).toBe(1);
    expect(list.datasets[0]?.dataset_id).toBe(ds.dataset_id);
    expect(await akskClient.findDatasetByName('details-ds')).toMatchObject({ dataset_id: ds.dataset_id });
    // A query value with a space is sent %20-encoded, as signed.
    expect(await akskClient.findDatasetByName('no such dataset')).toBeUndefined();
  });

  it('versions: create (201), get, list', async () => {
    const ds = sim.createDataset({
      dataset_name: 'versions-ds',
      total_sample_count: 10,
      annotated_sample_count: 10,
      behavior: { durationMs: 100 },
    });
    const { version_id } = await akskClient.createVersion(ds.dataset_id, {
      version_name: 'V001',
      version_format: 'Default',
      train_evaluate_sample_ratio: '0.80',
    });
    const version = await akskClient.getVersion(ds.dataset_id, version_id);
    expect(version).toMatchObject({ version_id, version_name: 'V001' });
    expect([0, 1]).toContain(version.status);

    const list = await akskClient.listVersions(ds.dataset_id, { limit: 10 });
    expect(list.total_number).toBe(1);
    expect(list.versions.map((v) => v.version_id)).toEqual([version_id]);

    await sleep(150);
    const err = await failure(akskClient.createVersion(ds.dataset_id, { version_name: 'V001' }));
    expect((err as ModelArtsApiError).errorCode).toBe('ModelArts.4371');
  });

  it('import tasks: create, get, list', async () => {
    const ds = sim.createDataset({ dataset_name: 'import-ds' });
    const { task_id } = await akskClient.createImportTask(ds.dataset_id, {
      import_path: 's3://bucket-a/import/animals/',
      import_type: 'dir',
    });
    const task = await akskClient.getImportTask(ds.dataset_id, task_id);
    expect(task.task_id).toBe(task_id);
    expect(['QUEUING', 'STARTING', 'RUNNING', 'COMPLETED']).toContain(task.status);

    const list = await akskClient.listImportTasks(ds.dataset_id, { limit: 5 });
    expect(list.total_count).toBe(1);
    expect(list.import_tasks[0]?.task_id).toBe(task_id);
  });

  it('logs each call at debug without any secret', () => {
    const calls = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l.msg === 'ModelArts call');
    expect(calls.length).toBeGreaterThan(10);
    for (const call of calls) {
      expect(call).toMatchObject({
        level: 20,
        method: expect.stringMatching(/^(GET|POST)$/),
        path: expect.stringMatching(/^\/v2\//),
        status: expect.any(Number),
      });
      expect(typeof call.durationMs).toBe('number');
    }
    const all = logLines.join('\n');
    expect(all).not.toContain(SK);
    expect(all).not.toContain('Signature');
    expect(all).not.toMatch(/authorization/i);
  });
});

describe('pagination (offset is a page index)', () => {
  it('pages export tasks', async () => {
    const ds = sim.createDataset({ dataset_name: 'paging-exports', total_sample_count: 1, annotated_sample_count: 1 });
    const created: string[] = [];
    for (let i = 0; i < 5; i++)
      created.push((await akskClient.createExportTask(ds.dataset_id, { path: `/bucket-a/paging/${i}/` })).task_id);

    const pages = await Promise.all(
      [0, 1, 2, 3].map((offset) => akskClient.listExportTasks(ds.dataset_id, { limit: 2, offset })),
    );
    expect(pages.map((p) => p.total_count)).toEqual([5, 5, 5, 5]);
    expect(pages.map((p) => p.export_tasks.length)).toEqual([2, 2, 1, 0]);
    expect(new Set(pages.flatMap((p) => p.export_tasks.map((t) => t.task_id)))).toEqual(new Set(created));
  });

  it('findDatasetByName walks pages of fuzzy matches', async () => {
    sim.createDataset({ dataset_name: 'zebra' });
    for (let i = 1; i <= 24; i++) sim.createDataset({ dataset_name: `zebra-${i}` });
    const before = sim.counters().total.datasetLists;
    const lists = () => sim.counters().total.datasetLists - before;
    // 25 fuzzy matches, 10 a page, newest first: the oldest, exact match sits on the third page.
    expect(await akskClient.findDatasetByName('zebra', { pageSize: 10 })).toMatchObject({ dataset_name: 'zebra' });
    expect(lists()).toBe(3);
    expect(await akskClient.findDatasetByName('zebra-7', { pageSize: 10 })).toMatchObject({ dataset_name: 'zebra-7' });
    expect(lists()).toBe(4);
    // No exact match: every page is read, then undefined.
    expect(await akskClient.findDatasetByName('zebr', { pageSize: 10 })).toBeUndefined();
    expect(lists()).toBe(7);
  });

  it('pages intelligent tasks, versions and import tasks', async () => {
    const ds = labelableDataset('paging-tasks', { durationMs: 50 });
    await akskClient.startTask(ds.dataset_id, { task_type: 'auto-label' });
    await sleep(100);
    await akskClient.startTask(ds.dataset_id, { task_type: 'auto-label' });
    const tasks = await Promise.all([0, 1].map((offset) => akskClient.listTasks(ds.dataset_id, { limit: 1, offset })));
    expect(tasks.map((p) => p.tasks.length)).toEqual([1, 1]);
    expect(tasks[0]!.tasks[0]!.task_id).not.toBe(tasks[1]!.tasks[0]!.task_id);

    await akskClient.createVersion(ds.dataset_id, { version_name: 'P1' });
    await sleep(100);
    await akskClient.createVersion(ds.dataset_id, { version_name: 'P2' });
    const versions = await Promise.all(
      [0, 1, 2].map((offset) => akskClient.listVersions(ds.dataset_id, { limit: 1, offset })),
    );
    expect(versions.map((p) => p.versions.length)).toEqual([1, 1, 0]);
    expect(versions[0]!.total_number).toBe(2);

    // No import while a version is being released (ModelArts.4343): P2 is done after its 50 ms.
    await sleep(100);
    await akskClient.createImportTask(ds.dataset_id, { import_path: '/bucket-a/imp/one/' });
    await sleep(100);
    await akskClient.createImportTask(ds.dataset_id, { import_path: '/bucket-a/imp/two/' });
    const imports = await Promise.all(
      [0, 1].map((offset) => akskClient.listImportTasks(ds.dataset_id, { limit: 1, offset })),
    );
    expect(imports.map((p) => p.import_tasks.length)).toEqual([1, 1]);
    expect(imports[0]!.total_count).toBe(2);
  });
});

describe('auth modes', () => {
  it('AK/SK with a temporary key signs X-Security-Token', async () => {
    const temp = client(new AkSkAuth({ accessKey: TEMP_AK, secretKey: TEMP_SK, securityToken: SECURITY_TOKEN }));
    const ds = sim.createDataset({ dataset_name: 'temp-key-ds' });
    expect((await temp.getDataset(ds.dataset_id)).dataset_id).toBe(ds.dataset_id);
    // A POST body is signed as sent.
    expect((await temp.createExportTask(ds.dataset_id, { path: '/bucket-a/temp/' })).task_id).toBeTruthy();

    const missingToken = await failure(
      client(new AkSkAuth({ accessKey: TEMP_AK, secretKey: TEMP_SK })).getDataset(ds.dataset_id),
    );
    expect((missingToken as ModelArtsApiError).httpStatus).toBe(401);
  });

  it('a wrong secret key is a 401 APIG.0301 that is neither retried nor retryable', async () => {
    const before = sim.counters().total.requests;
    const err = await failure(
      client(new AkSkAuth({ accessKey: AK, secretKey: 'wrong-secret-key-value' })).listDatasets(),
    );
    expect(err).toBeInstanceOf(ModelArtsApiError);
    expect(err).toMatchObject({ httpStatus: 401, errorCode: 'APIG.0301', authMode: 'aksk' });
    expect((err as ModelArtsApiError).requestId).toBeTruthy();
    expect(classifyError(err).retryable).toBe(false);
    expect(sim.counters().total.requests - before).toBe(1);
  });

  it('AK/SK with a clock 20 minutes off is APIG.0303', async () => {
    const skewed = client(
      new AkSkAuth({ accessKey: AK, secretKey: SK, now: () => new Date(Date.now() - 20 * 60_000) }),
    );
    expect(await failure(skewed.listDatasets())).toMatchObject({ httpStatus: 401, errorCode: 'APIG.0303' });
  });

  it('a ready token works; an unknown one is a 401 ModelArts.4201, not retried', async () => {
    expect((await client(new TokenAuth(STATIC_TOKEN)).listDatasets()).total_number).toBeGreaterThan(0);
    expect((await client(new TokenAuth(sim.issueToken())).listDatasets()).total_number).toBeGreaterThan(0);
    const before = sim.counters().total.requests;
    const err = await failure(client(new TokenAuth('not-a-token')).listDatasets());
    expect(err).toMatchObject({ httpStatus: 401, errorCode: 'ModelArts.4201' });
    expect(classifyError(err).retryable).toBe(false);
    expect(sim.counters().total.requests - before).toBe(1);
  });

  it('IAM password: one token request shared by concurrent callers, then cached', async () => {
    const auth = iamAuth(sim);
    const iam = client(auth);
    const issued = sim.counters().total.tokensIssued;
    const results = await Promise.all(Array.from({ length: 10 }, () => iam.listDatasets({ limit: 1 })));
    expect(results).toHaveLength(10);
    await iam.listDatasets({ limit: 1 });
    expect(auth.tokenRequests).toBe(1);
    expect(sim.counters().total.tokensIssued - issued).toBe(1);
  });

  it('IAM password: refreshes once on 401 (expired), sharing the refresh between concurrent callers', async () => {
    const auth = iamAuth(sim);
    const iam = client(auth);
    const ds = sim.createDataset({ dataset_name: 'iam-refresh-ds' });
    await iam.getDataset(ds.dataset_id);
    sim.expireTokens();
    const failuresBefore = sim.counters().total.authFailures;
    const answers = await Promise.all(Array.from({ length: 5 }, () => iam.getDataset(ds.dataset_id)));
    expect(answers.every((a) => a.dataset_id === ds.dataset_id)).toBe(true);
    expect(auth.tokenRequests).toBe(2);
    expect(sim.counters().total.authFailures - failuresBefore).toBe(5);

    // A create rejected with 401 is safely repeated once with the new token (a 401 means nothing was created).
    sim.expireTokens();
    const { task_id } = await iam.createExportTask(ds.dataset_id, { path: '/bucket-a/iam/' });
    expect((await iam.listExportTasks(ds.dataset_id)).export_tasks.map((t) => t.task_id)).toEqual([task_id]);
    expect(auth.tokenRequests).toBe(3);
  });

  it('IAM password: a wrong password is IAM 401, never echoing the password', async () => {
    const err = await failure(client(iamAuth(sim, 'wrong-password-xyz')).listDatasets());
    expect(err).toBeInstanceOf(ModelArtsApiError);
    expect(err).toMatchObject({
      httpStatus: 401,
      errorMsg: 'The username or password is wrong.',
      path: '/v3/auth/tokens',
    });
    expect((err as Error).message).not.toContain('wrong-password-xyz');
    expect(classifyError(err).retryable).toBe(false);
  });

  it('IAM password: refreshes before expiry, and retries a 401 only once', async () => {
    const shortLived = await startSimulator({ users: [USER], tokenTtlMs: 600 });
    try {
      const auth = iamAuth(shortLived);
      const iam = client(auth, {}, shortLived);
      await iam.listDatasets();
      await sleep(700);
      await iam.listDatasets();
      expect(auth.tokenRequests).toBe(2);
      expect(shortLived.counters().total.authFailures).toBe(0);
    } finally {
      await shortLived.close();
    }

    // Tokens that are dead on arrival: one refresh and one retry, then the 401 reaches the caller as retryable.
    const deadOnArrival = await startSimulator({ users: [USER], tokenTtlMs: 1 });
    try {
      const auth = iamAuth(deadOnArrival);
      const err = await failure(client(auth, {}, deadOnArrival).listDatasets());
      expect(err).toMatchObject({ httpStatus: 401, errorCode: 'ModelArts.4127', authMode: 'iam' });
      expect(auth.tokenRequests).toBe(2);
      expect(deadOnArrival.counters().total.tokensIssued).toBe(2);
      expect(classifyError(err).retryable).toBe(true);
    } finally {
      await deadOnArrival.close();
    }
  });

  it('a project the credentials do not belong to is rejected', async () => {
    const other = new ModelArtsClient({
      endpoint: sim.url,
      projectId: 'ffffffffffffffffffffffffffffffff',
      auth: new TokenAuth(STATIC_TOKEN),
    });
    const err = await failure(other.listDatasets());
    expect(err).toMatchObject({ errorCode: 'ModelArts.0210' });
  });
});

describe('errors', () => {
  it('surfaces 4xx error_code, error_msg and request id', async () => {
    const err = await failure(akskClient.getDataset('doesNotExist000000'));
    expect(err).toBeInstanceOf(ModelArtsApiError);
    const api = err as ModelArtsApiError;
    expect(api).toMatchObject({
      httpStatus: 400,
      errorCode: 'ModelArts.4352',
      errorMsg: 'Dataset does not exist',
      method: 'GET',
    });
    expect(api.requestId).toBeTruthy();
    expect(api.message).toContain('ModelArts.4352: Dataset does not exist');
    expect(api.message).toContain(api.requestId!);
    expect(classifyError(api).retryable).toBe(false);

    const ds = sim.createDataset({ dataset_name: 'errors-ds' });
    expect(await failure(akskClient.getExportTask(ds.dataset_id, 'noSuchTask00000000'))).toMatchObject({
      httpStatus: 400,
      errorCode: 'ModelArts.4359',
    });
  });

  it('validates before sending: nothing reaches the server', async () => {
    const before = sim.counters().total.requests;
    const bad = { path: 'not-obs', export_format: 3 } as unknown as CreateExportTaskRequest;
    const err = await failure(akskClient.createExportTask('anyDataset', bad));
    expect(err).toBeInstanceOf(ModelArtsValidationError);
    expect((err as Error).message).toContain('export_format: must be one of 1 (tree), 2 (tile); got 3');
    expect(await failure(akskClient.getExportTask('a/b', 'x'))).toBeInstanceOf(ModelArtsValidationError);
    expect(sim.counters().total.requests).toBe(before);
  });

  it('429 with Retry-After is classified retryable after that delay', async () => {
    sim.setFaults({ throttleRate: 1, retryAfterSeconds: 7 });
    const err = await failure(akskClient.listDatasets());
    expect(err).toMatchObject({ httpStatus: 429, errorCode: 'ModelArts.4206', retryAfterMs: 7000 });
    expect(classifyError(err)).toMatchObject({ retryable: true, retryAfterMs: 7000 });

    sim.setFaults({ throttleRate: 1, throttleCode: 'APIG.0308' });
    const gateway = await failure(akskClient.listDatasets());
    expect(gateway).toMatchObject({ httpStatus: 429, errorCode: 'APIG.0308' });
    expect(classifyError(gateway).retryable).toBe(true);
  });

  it('5xx is retryable, and the client itself does not retry', async () => {
    sim.setFaults({ serverErrorRate: 1 });
    const before = sim.counters().total.requests;
    const err = await failure(akskClient.listDatasets());
    expect(err).toBeInstanceOf(ModelArtsApiError);
    expect((err as ModelArtsApiError).httpStatus).toBeGreaterThanOrEqual(500);
    expect(classifyError(err).retryable).toBe(true);
    expect(sim.counters().total.requests - before).toBe(1);
  });

  it('a dropped connection is a network error; a create that lost its answer is flagged, not repeated', async () => {
    const ds = sim.createDataset({ dataset_name: 'drop-ds' });
    sim.setFaults({ dropRate: 1, dropPhase: 'after' });
    const err = await failure(akskClient.createExportTask(ds.dataset_id, { path: '/bucket-a/drop/' }));
    expect(err).toBeInstanceOf(ModelArtsNetworkError);
    expect((err as ModelArtsNetworkError).timeout).toBe(false);
    expect(classifyError(err)).toMatchObject({ retryable: true, mayHaveSucceeded: true });
    sim.setFaults({});
    // The task exists exactly once: the client did not repeat the POST.
    expect((await akskClient.listExportTasks(ds.dataset_id)).total_count).toBe(1);
    expect(sim.counters().byDataset[ds.dataset_id]?.exportCreates).toBe(1);
  });

  it('a slow answer is a timeout error', async () => {
    sim.setFaults({ slowRate: 1, slowMs: 1500 });
    const impatient = client(new AkSkAuth({ accessKey: AK, secretKey: SK }), { timeoutMs: 200 });
    const err = await failure(impatient.listDatasets());
    expect(err).toBeInstanceOf(ModelArtsNetworkError);
    expect(err).toMatchObject({ timeout: true, code: 'ETIMEDOUT' });
    expect(classifyError(err)).toMatchObject({ retryable: true, mayHaveSucceeded: false });
  });

  it('a refused connection is a network error', async () => {
    const closed = await startSimulator({});
    const url = closed.url;
    await closed.close();
    const err = await failure(
      new ModelArtsClient({ endpoint: url, projectId: 'p1', auth: new TokenAuth('t') }).listDatasets(),
    );
    expect(err).toMatchObject({ code: 'ECONNREFUSED', timeout: false });
    expect(classifyError(err).retryable).toBe(true);
  });
});
