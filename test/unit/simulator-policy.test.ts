/**
 * The simulator enforces an IAM policy as ModelArts does (403 ModelArts.0108 naming the action, before anything
 * happens), set by option, `--policy FILE` or the admin API; and `doctor` finds a missing action with read-only
 * calls, creating nothing.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPolicyFile } from '../../src/cli/simulator.js';
import { run } from '../../src/cli/main.js';
import { AkSkAuth } from '../../src/modelarts/auth.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import { ModelArtsApiError } from '../../src/modelarts/errors.js';
import { leastPrivilegePolicies, type IamPolicy } from '../../src/modelarts/permissions.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { SimulatorAdmin } from '../../src/simulator/admin-client.js';
import { refusedCalls } from '../support/harness.js';

const CREDENTIALS = { accessKey: 'POLICYTESTAK00000001', secretKey: 'policy-test-secret-0001' };
const FULL = leastPrivilegePolicies().project;
const without = (action: string): IamPolicy => ({
  Version: '1.1',
  Statement: [{ Effect: 'Allow', Action: FULL.Statement[0]!.Action.filter((a) => a !== action) }],
});

let sim: Simulator;
let client: ModelArtsClient;

beforeEach(async () => {
  sim = await startSimulator({ credentials: [CREDENTIALS], policy: without('modelarts:dataset:createExportTask') });
  client = new ModelArtsClient({ endpoint: sim.url, projectId: sim.projectId, auth: new AkSkAuth(CREDENTIALS) });
});

afterEach(() => sim?.close());

async function failure(promise: Promise<unknown>): Promise<ModelArtsApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelArtsApiError);
  return error as ModelArtsApiError;
}

describe('simulator policy enforcement', () => {
  it('answers a call outside the policy 403 ModelArts.0108 naming the action, and creates nothing', async () => {
    const ds = sim.createDataset({ dataset_name: 'policy-ds' });
    const error = await failure(client.createExportTask(ds.dataset_id, { path: '/bucket-p/out/' }));
    expect(error.httpStatus).toBe(403);
    expect(error.errorCode).toBe('ModelArts.0108');
    expect(error.errorMsg).toBe(
      'You are not authorized to perform the (modelarts:dataset:createExportTask) operation.',
    );
    // Nothing was created, and calls the policy allows still work.
    expect((await client.listExportTasks(ds.dataset_id)).export_tasks).toEqual([]);
    expect(sim.counters().total.exportCreates).toBe(0);
    expect(sim.denials()).toEqual([
      expect.objectContaining({
        method: 'POST',
        route: '/v2/{project_id}/datasets/{dataset_id}/export-tasks',
        action: 'modelarts:dataset:createExportTask',
      }),
    ]);
    // The harness turns any denial into a failed test, naming the call and the action.
    expect(() => refusedCalls(sim.denials())).toThrow(
      /refused 1 call\(s\) outside the IAM policy: POST \/v2\/\{project_id\}\/datasets\/\{dataset_id\}\/export-tasks needs modelarts:dataset:createExportTask/,
    );
  });

  it('takes a policy over the admin API, refuses a bad one naming the field, and lifts it on DELETE', async () => {
    const ds = sim.createDataset({ dataset_name: 'admin-ds' });
    const admin = new SimulatorAdmin(sim.url);
    const put = await fetch(`${sim.url}/_sim/policy`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['getDataset'] }] }),
    });
    expect(put.status).toBe(400);
    expect(await put.text()).toMatch(/Statement\[0\]\.Action\[0\] must look like service:resource:operation/);

    await admin.setPolicy(without('modelarts:dataset:getDataset'));
    const error = await failure(client.getExportTask(ds.dataset_id, 'Xx0000000000000000'));
    expect(error.errorMsg).toMatch(/\(modelarts:dataset:getDataset\)/);
    expect(await (await fetch(`${sim.url}/_sim/policy`)).json()).toEqual(without('modelarts:dataset:getDataset'));
    expect((await admin.denials()).map((d) => d.action)).toEqual(['modelarts:dataset:getDataset']);

    await admin.setPolicy(undefined);
    expect(await (await fetch(`${sim.url}/_sim/policy`)).json()).toBeNull();
    const { task_id } = await client.createExportTask(ds.dataset_id, { path: '/bucket-p/out/' });
    expect((await client.getExportTask(ds.dataset_id, task_id)).task_id).toBe(task_id);
  });

  it('reads --policy FILE, naming the file and the field when it is wrong', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'policy-'));
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(FULL));
    expect(readPolicyFile(good)).toEqual(FULL);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['x:y:z'], Resource: [] }] }),
    );
    expect(() => readPolicyFile(bad)).toThrow(`--policy ${bad}: Statement[0].Resource is not supported`);
    expect(() => readPolicyFile(path.join(dir, 'none.json'))).toThrow(/cannot read it \(ENOENT\)/);
    writeFileSync(bad, '{');
    expect(() => readPolicyFile(bad)).toThrow(/is not JSON/);
  });
});

describe('doctor', () => {
  async function doctor(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await run(['doctor', ...args], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: {
        MODELARTS_ENDPOINT: sim.url,
        MODELARTS_PROJECT_ID: sim.projectId,
        MODELARTS_ACCESS_KEY: CREDENTIALS.accessKey,
        MODELARTS_SECRET_KEY: CREDENTIALS.secretKey,
      },
    });
    return { code, stdout, stderr };
  }
  const line = (stdout: string, action: string) => stdout.split('\n').find((l) => l.includes(` ${action} `)) ?? '';

  it('exits 1 naming the missing action, with read-only calls only', async () => {
    sim.setPolicy(without('modelarts:dataset:getDataset'));
    const ds = sim.createDataset({ dataset_name: 'doctor-ds' });
    sim.clearRequests();
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing: modelarts:dataset:getDataset (add it to the project policy');
    expect(line(r.stdout, 'modelarts:dataset:getDataset')).toMatch(/^missing /);
    expect(line(r.stdout, 'modelarts:dataset:getDataset')).toContain(ds.dataset_id);
    expect(line(r.stdout, 'modelarts:dataset:listDatasets')).toMatch(/^ok /);
    expect(line(r.stdout, 'modelarts:dataset:createExportTask')).toMatch(/^unchecked /);
    expect(line(r.stdout, 'obs:object:PutObject')).toMatch(/^unchecked /);
    expect(sim.requests().every((req) => req.api.startsWith('GET '))).toBe(true);
    const total = sim.counters().total;
    expect(total.exportCreates + total.taskStarts + total.versionCreates + total.importCreates).toBe(0);
  });

  it('exits 0 when the credentials hold every checkable action, printing one line per action', async () => {
    sim.setPolicy(FULL);
    const ds = sim.createDataset({ dataset_name: 'doctor-ok' });
    const r = await doctor('--dataset', ds.dataset_id, '--json');
    expect(r.code).toBe(0);
    const checks = JSON.parse(r.stdout) as { action: string; state: string }[];
    const actions = [...FULL.Statement[0]!.Action, ...leastPrivilegePolicies().global.Statement[0]!.Action];
    expect(checks.map((c) => c.action).sort()).toEqual(actions.sort());
    expect(checks.filter((c) => c.state === 'ok').map((c) => c.action)).toEqual([
      'modelarts:dataset:listDatasets',
      'modelarts:dataset:getDataset',
    ]);
    expect(checks.filter((c) => c.state !== 'ok').every((c) => c.state === 'unchecked')).toBe(true);
  });

  it('says getDataset is unchecked when there is no dataset to read, and refuses a bad --dataset', async () => {
    sim.setPolicy(FULL);
    const r = await doctor();
    expect(r.code).toBe(0);
    expect(line(r.stdout, 'modelarts:dataset:getDataset')).toMatch(/^unchecked .*pass --dataset ID/);
    const bad = await doctor('--dataset', '../x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dataset');
  });
});
