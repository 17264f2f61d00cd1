/**
 * The permission table (src/modelarts/permissions.ts) is exact: every call the client makes has a row, every row is
 * a call the client makes, every simulator route has a row, and the generated policies hold exactly the actions of
 * the rows. A new client method without a case here, or a new route without a row, fails this file.
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { readFileSync } from 'node:fs';
import { AkSkAuth } from '../../src/modelarts/auth.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import {
  leastPrivilegePolicies,
  modelArtsActions,
  obsActions,
  parsePolicy,
  policyAllows,
  PolicyError,
  ROUTE_PERMISSIONS,
} from '../../src/modelarts/permissions.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { ROUTES } from '../../src/simulator/routes.js';
import { cli } from '../support/cli-in-process.js';

const CREDENTIALS = { accessKey: 'PERMTESTAK0000000001', secretKey: 'perm-test-secret-0001' };

const memory = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
let sim: Simulator;
let client: ModelArtsClient;

beforeAll(async () => {
  trace.setGlobalTracerProvider(provider);
  // Held to the generated policy: every call below must also be allowed by it.
  sim = await startSimulator({ credentials: [CREDENTIALS], policy: leastPrivilegePolicies().project });
  client = new ModelArtsClient({ endpoint: sim.url, projectId: sim.projectId, auth: new AkSkAuth(CREDENTIALS) });
});

afterAll(async () => {
  await sim?.close();
  await provider.shutdown();
  trace.disable();
});

interface Ids {
  datasetId: string;
  /** Imports on a dataset of their own: the first one's version publishing refuses an import (ModelArts.4343). */
  importDatasetId: string;
  exportId?: string;
  taskId?: string;
  versionId?: string;
  importId?: string;
}

/** One call of every public client method, in an order where each finds the ids it needs. */
const CASES: Record<string, (c: ModelArtsClient, ids: Ids) => Promise<unknown>> = {
  listDatasets: (c) => c.listDatasets({ limit: 5 }),
  findDatasetByName: (c) => c.findDatasetByName('perm-ds'),
  getDataset: (c, ids) => c.getDataset(ids.datasetId),
  createExportTask: async (c, ids) =>
    (ids.exportId = (await c.createExportTask(ids.datasetId, { path: '/bucket-p/out/' })).task_id),
  getExportTask: (c, ids) => c.getExportTask(ids.datasetId, ids.exportId!),
  listExportTasks: (c, ids) => c.listExportTasks(ids.datasetId),
  startTask: async (c, ids) =>
    (ids.taskId = (
      await c.startTask(ids.datasetId, { task_type: 'auto-label', config: { algorithm_type: 'fast' } })
    ).task_id),
  getTask: (c, ids) => c.getTask(ids.datasetId, ids.taskId!),
  listTasks: (c, ids) => c.listTasks(ids.datasetId),
  stopTask: (c, ids) => c.stopTask(ids.datasetId, ids.taskId!),
  createVersion: async (c, ids) => (ids.versionId = (await c.createVersion(ids.datasetId, {})).version_id),
  getVersion: (c, ids) => c.getVersion(ids.datasetId, ids.versionId!),
  listVersions: (c, ids) => c.listVersions(ids.datasetId),
  createImportTask: async (c, ids) =>
    (ids.importId = (
      await c.createImportTask(ids.importDatasetId, { import_path: 's3://bucket-p/in/', import_type: 'dir' })
    ).task_id),
  getImportTask: (c, ids) => c.getImportTask(ids.importDatasetId, ids.importId!),
  listImportTasks: (c, ids) => c.listImportTasks(ids.importDatasetId),
};

/** The client's public methods (getters such as `authMode` are not calls). */
function clientMethods(): string[] {
  const proto = ModelArtsClient.prototype as unknown as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto).filter(
    (name) => name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function',
  );
}

describe('the permission table', () => {
  it('has a row for every call of every client method, and no row that no call uses', async () => {
    expect(Object.keys(CASES).sort()).toEqual(clientMethods().sort());
    const ds = sim.createDataset({
      dataset_name: 'perm-ds',
      labels: [
        { name: 'cat', type: 0 },
        { name: 'dog', type: 0 },
      ],
      total_sample_count: 100,
      annotated_sample_count: 20,
    });
    const ids: Ids = {
      datasetId: ds.dataset_id,
      importDatasetId: sim.createDataset({ dataset_name: 'perm-import' }).dataset_id,
    };
    const seen = new Map<string, Set<string>>();
    for (const [method, call] of Object.entries(CASES)) {
      memory.reset();
      await call(client, ids);
      const routes = memory
        .getFinishedSpans()
        .map((s) => `${String(s.attributes['http.request.method'])} ${String(s.attributes['url.template'])}`);
      // Each method makes at least one call (the method's name says which when it does not).
      expect({ method, calls: routes.length > 0 }).toEqual({ method, calls: true });
      for (const route of routes) {
        expect({ route, row: ROUTE_PERMISSIONS[route] !== undefined }).toEqual({ route, row: true });
        seen.set(route, (seen.get(route) ?? new Set()).add(method));
      }
    }
    expect([...seen.keys()].sort()).toEqual(Object.keys(ROUTE_PERMISSIONS).sort());
    // The `methods` column says which methods make each call.
    for (const [route, methods] of seen)
      expect([...methods].sort()).toEqual([...ROUTE_PERMISSIONS[route]!.methods].sort());
    // And the simulator, holding the client to the generated policy, refused none of them.
    expect(sim.denials()).toEqual([]);
  });

  it('has a row for every route the simulator serves', () => {
    const missing = ROUTES.map((r) => r.permission).filter((p) => ROUTE_PERMISSIONS[p] === undefined);
    expect(missing).toEqual([]);
    expect(ROUTES.map((r) => r.permission).sort()).toEqual(Object.keys(ROUTE_PERMISSIONS).sort());
  });

  it('names the documented action of each call (OTC data_management_permissions.rst)', () => {
    const actionOf = Object.fromEntries(Object.entries(ROUTE_PERMISSIONS).map(([route, p]) => [route, p.action]));
    const D = '/v2/{project_id}/datasets/{dataset_id}';
    expect(actionOf).toEqual({
      'GET /v2/{project_id}/datasets': 'modelarts:dataset:listDatasets',
      [`GET ${D}`]: 'modelarts:dataset:getDataset',
      [`GET ${D}/versions`]: 'modelarts:dataset:getDataset',
      [`POST ${D}/versions`]: 'modelarts:dataset:createDatasetVersion',
      [`GET ${D}/versions/{version_id}`]: 'modelarts:dataset:getDataset',
      [`GET ${D}/import-tasks`]: 'modelarts:dataset:getDataset',
      [`POST ${D}/import-tasks`]: 'modelarts:dataset:createImportTask',
      [`GET ${D}/import-tasks/{task_id}`]: 'modelarts:dataset:getDataset',
      [`GET ${D}/export-tasks`]: 'modelarts:dataset:getDataset',
      [`POST ${D}/export-tasks`]: 'modelarts:dataset:createExportTask',
      [`GET ${D}/export-tasks/{task_id}`]: 'modelarts:dataset:getDataset',
      [`GET ${D}/tasks`]: 'modelarts:dataset:getDataset',
      [`POST ${D}/tasks`]: 'modelarts:dataset:updateDataset',
      [`GET ${D}/tasks/{task_id}`]: 'modelarts:dataset:getDataset',
      [`POST ${D}/tasks/{task_id}/stop`]: 'modelarts:dataset:updateDataset',
    });
  });
});

describe('the least-privilege policies', () => {
  it('hold exactly the actions of the table: ModelArts in the project policy, OBS in the global one', () => {
    const { project, global } = leastPrivilegePolicies();
    expect(project).toEqual({ Version: '1.1', Statement: [{ Effect: 'Allow', Action: modelArtsActions() }] });
    expect(global).toEqual({ Version: '1.1', Statement: [{ Effect: 'Allow', Action: obsActions() }] });
    expect(project.Statement[0]!.Action).toEqual([
      'modelarts:dataset:createDatasetVersion',
      'modelarts:dataset:createExportTask',
      'modelarts:dataset:createImportTask',
      'modelarts:dataset:getDataset',
      'modelarts:dataset:listDatasets',
      'modelarts:dataset:updateDataset',
    ]);
    expect(global.Statement[0]!.Action.every((a) => a.startsWith('obs:'))).toBe(true);
    // Exports write and imports read OBS.
    expect(global.Statement[0]!.Action).toEqual(
      expect.arrayContaining(['obs:object:PutObject', 'obs:object:GetObject', 'obs:bucket:ListBucket']),
    );
  });

  it('are what `policy` prints (bare with --scope, both with --json) and what docs/least-privilege.md shows', async () => {
    const policies = leastPrivilegePolicies();
    const project = await cli('policy', '--scope', 'project');
    expect(project.code).toBe(0);
    expect(JSON.parse(project.stdout)).toEqual(policies.project);
    const global = await cli('policy', '--scope', 'global');
    expect(JSON.parse(global.stdout)).toEqual(policies.global);
    const both = await cli('policy', '--json');
    expect(JSON.parse(both.stdout)).toEqual(policies);
    const text = await cli('policy');
    expect(text.stdout).toContain(JSON.stringify(policies.project, null, 2));
    expect(text.stdout).toContain(JSON.stringify(policies.global, null, 2));
    const page = readFileSync('docs/least-privilege.md', 'utf8');
    for (const doc of [policies.project, policies.global]) expect(page).toContain(JSON.stringify(doc, null, 2));
    for (const action of [...modelArtsActions(), ...obsActions()]) expect(page).toContain(`| \`${action}\``);
    expect((await cli('policy', '--scope', 'everything')).code).toBe(2);
  });
});

describe('policy evaluation', () => {
  const policy = (...statements: [effect: 'Allow' | 'Deny', actions: string[]][]) =>
    parsePolicy({ Version: '1.1', Statement: statements.map(([Effect, Action]) => ({ Effect, Action })) });

  it('allows an action some Allow matches (wildcards, any case) unless a Deny matches', () => {
    expect(policyAllows(policy(['Allow', ['modelarts:dataset:getDataset']]), 'modelarts:dataset:getDataset')).toBe(
      true,
    );
    expect(policyAllows(policy(['Allow', ['modelarts:dataset:*']]), 'modelarts:dataset:createExportTask')).toBe(true);
    expect(policyAllows(policy(['Allow', ['modelarts:*:*']]), 'modelarts:dataset:updateDataset')).toBe(true);
    expect(policyAllows(policy(['Allow', ['MODELARTS:dataset:GETDATASET']]), 'modelarts:dataset:getDataset')).toBe(
      true,
    );
    expect(policyAllows(policy(['Allow', ['modelarts:dataset:get*']]), 'modelarts:dataset:createExportTask')).toBe(
      false,
    );
    expect(
      policyAllows(
        policy(['Allow', ['modelarts:*:*']], ['Deny', ['modelarts:dataset:createExportTask']]),
        'modelarts:dataset:createExportTask',
      ),
    ).toBe(false);
    expect(policyAllows(policy(['Deny', ['obs:*:*']]), 'modelarts:dataset:getDataset')).toBe(false);
  });

  it('refuses a document it cannot evaluate, naming the field', () => {
    const refusal = (doc: unknown) => {
      try {
        parsePolicy(doc, 'p.json');
      } catch (error) {
        expect(error).toBeInstanceOf(PolicyError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal([])).toMatch(/^p\.json: must be a JSON object/);
    expect(refusal({ Version: '1.0', Statement: [] })).toMatch(/Version must be "1\.1"/);
    expect(refusal({ Version: '1.1', Statement: [] })).toMatch(/Statement must be a non-empty array/);
    expect(refusal({ Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['x:y:z'], Condition: {} }] })).toMatch(
      /Statement\[0\]\.Condition is not supported/,
    );
    expect(refusal({ Version: '1.1', Statement: [{ Effect: 'allow', Action: ['x:y:z'] }] })).toMatch(
      /Statement\[0\]\.Effect must be "Allow" or "Deny"; got "allow"/,
    );
    expect(refusal({ Version: '1.1', Statement: [{ Effect: 'Allow', Action: ['getDataset'] }] })).toMatch(
      /Statement\[0\]\.Action\[0\] must look like service:resource:operation/,
    );
    expect(refusal({ Version: '1.1', Statement: [], Extra: 1 })).toMatch(/unknown field "Extra"/);
  });
});
