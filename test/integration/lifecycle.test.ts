/**
 * The dataset lifecycle end to end, from the demo spec in docs/examples: import → auto-label → publish a version →
 * export exactly that version into a new dataset → export the new dataset as COCO. Real dev server, real worker
 * process, simulator over HTTP.
 */
import { readFileSync } from 'node:fs';
import { awaitRun, startRun } from '../../src/client/runs.js';
import { AkSkAuth } from '../../src/modelarts/auth.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import { DEMO_DATASETS } from '../../src/simulator/index.js';
import { CREDENTIALS, createHarness, expectSucceeded, FAST_POLICY, type Harness } from '../support/harness.js';
import { runMarker } from '../../src/workflows/marker.js';

let h: Harness;
beforeAll(async () => {
  // The simulator `dev` starts, with its demo datasets: the spec runs as written, on demoImgCls000000001.
  h = await createHarness({ datasets: DEMO_DATASETS });
  await h.startWorker();
});
afterAll(() => h?.close());

const keyword = (name: string) => ({ name, type: 'KEYWORD' }) as never;

describe('the dataset lifecycle in one spec', () => {
  it('runs the demo spec as written and hands each step what the previous one made', async () => {
    const demo = JSON.parse(readFileSync('docs/examples/lifecycle.json', 'utf8')) as {
      steps: Record<string, unknown>[];
      wait: Record<string, unknown>;
    };
    const source = { dataset_id: demo.steps[0]!.datasetId as string };
    expect(DEMO_DATASETS.map((d) => d.dataset_id)).toContain(source.dataset_id);
    demo.wait = { ...demo.wait, policy: FAST_POLICY };
    const { workflowId } = await startRun(h.client, demo, { taskQueue: h.taskQueue });
    const result = expectSucceeded(await awaitRun(h.client, workflowId));

    const [imported, labeled, version, copy, coco] = result.steps;
    expect(result.steps.map((s) => [s.kind, s.status])).toEqual([
      ['import', 'COMPLETED'],
      ['intelligent-task', '3'],
      ['publish-version', '1'],
      ['export', 'SUCCESSED'],
      ['export', 'SUCCESSED'],
    ]);
    expect(imported!.totalSampleCount).toBeGreaterThan(0);
    expect(imported!.finishedSampleCount).toBe(imported!.totalSampleCount);
    // The first four steps work on the source dataset; the version goes to the export; the new dataset to COCO.
    expect([imported, labeled, version, copy].map((s) => s!.datasetId)).toEqual(Array(4).fill(source.dataset_id));
    expect(version!.versionId).toBe(version!.taskId);
    expect(version!.versionName).toMatch(/^V\d{3}$/);
    expect(copy!.versionId).toBe(version!.versionId);
    expect(copy!.newDatasetName).toMatch(/^lifecycle-\d{8}T\d{6}Z$/);
    expect(coco!.datasetId).toBe(copy!.newDatasetId);

    // What ModelArts holds: the export task exported exactly that version; the version carries the run's marker.
    const client = new ModelArtsClient({
      endpoint: h.sim.url,
      projectId: h.sim.projectId,
      auth: new AkSkAuth(CREDENTIALS),
    });
    expect((await client.getExportTask(source.dataset_id, copy!.taskId)).version_id).toBe(version!.versionId);
    const published = await client.getVersion(source.dataset_id, version!.versionId!);
    const { runId } = await h.client.workflow.getHandle(workflowId).describe();
    expect(published.description).toBe(
      `Labeled after the new batch [modelarts-temporal:${runMarker(workflowId, 2, runId)}]`,
    );
    const counters = h.sim.counters().byDataset[source.dataset_id];
    expect([counters?.importCreates, counters?.versionCreates]).toEqual([1, 1]);

    // Each step is its own child workflow, with its task (or version) id and status as search attributes.
    const steps = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => h.client.workflow.getHandle(`${workflowId}.step-${n}`).describe()),
    );
    expect(steps.map((d) => d.type)).toEqual([
      'importStep',
      'intelligentTaskStep',
      'publishVersionStep',
      'exportStep',
      'exportStep',
    ]);
    expect(steps[2]!.typedSearchAttributes.get(keyword('ModelArtsTaskId'))).toBe(version!.versionId);
    expect(steps[2]!.typedSearchAttributes.get(keyword('ModelArtsTaskStatus'))).toBe('1');
    expect(steps[0]!.typedSearchAttributes.get(keyword('ModelArtsTaskId'))).toBe(imported!.taskId);
    expect(await steps[3]!.staticSummary()).toContain(
      `Export version ${version!.versionId} of dataset ${source.dataset_id}`,
    );
  });
});
