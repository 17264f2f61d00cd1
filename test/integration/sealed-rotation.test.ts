/**
 * Sealed mode's search attributes and key rotation, end to end (real dev server, worker processes, simulator over
 * HTTP): a sealed run's dataset and task ids are keyed hashes in visibility, yet `list --dataset` finds it; the
 * worker restarts mid-wait with a new current key, the run finishes, and `sealed keys-in-use` lists the old and new
 * key while it runs, then only the new one (still needed by a run started after the rotation) once it has ended.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { run as cli } from '../../src/cli/main.js';
import { awaitRun, listRuns, startRun } from '../../src/client/runs.js';
import { sealedSettingsFromEnv } from '../../src/sealed/config.js';
import { clientDataConverter } from '../../src/sealed/data-converter.js';
import type { KeyInUse } from '../../src/sealed/keys-in-use.js';
import { searchHash } from '../../src/sealed/search-hash.js';
import { DatasetIdKey, TaskIdKey } from '../../src/workflows/search-attributes.js';
import { createHarness, eventually, expectSucceeded, FAST_POLICY, type Harness } from '../support/harness.js';

// A tenant of this test's own, so other runs in the namespace do not show in keys-in-use.
const tenant = `rot-${randomUUID().slice(0, 8)}`;
const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const envWith = (keys: object) => ({
  MODELARTS_SEALED: 'true',
  MODELARTS_SEALED_KEYS: JSON.stringify({ [tenant]: keys }),
});
const BEFORE = envWith({ current: 'k1', keys: { k1 } });
const AFTER = envWith({ current: 'k2', keys: { k1, k2 } });
const wait = { policy: FAST_POLICY, deadline: '5m' };

let h: Harness;
const clientWith = (env: Record<string, string>) =>
  new Client({
    connection: h.client.connection,
    namespace: h.client.options.namespace,
    dataConverter: clientDataConverter(sealedSettingsFromEnv(env)) as unknown as DataConverter,
  });
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

async function keysInUse(): Promise<KeyInUse[]> {
  let stdout = '';
  let stderr = '';
  const code = await cli(['sealed', 'keys-in-use', '--json'], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { ...AFTER, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: h.client.options.namespace },
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return (JSON.parse(stdout) as KeyInUse[]).filter((k) => k.tenant === tenant);
}
const keyIds = (keys: KeyInUse[]) => keys.map((k) => k.keyId).join(',');

describe('sealed search attributes and key rotation', () => {
  it('hashes ids in visibility, finds the run by dataset, and rotates the key mid-wait with no failed run', async () => {
    const queue = `sealed-rotation-${randomUUID()}`;
    const before = await h.startWorker({ TEMPORAL_TASK_QUEUE: queue, ...BEFORE });
    const dataset = h.sim.createDataset({ dataset_name: `rotation-${randomUUID().slice(0, 8)}` });
    h.sim.setBehavior(dataset.dataset_id, { durationMs: 8000, progress: 'linear' });
    const oldClient = clientWith(BEFORE);
    const { workflowId } = await startRun(
      oldClient,
      {
        steps: [{ kind: 'export', datasetId: dataset.dataset_id, request: { path: '/bucket/rotation/' } }],
        wait,
        tenant,
      },
      { taskQueue: queue },
    );
    // Waiting: the step has its task id, as a keyed hash under k1 (its dataset id too, set by the pipeline).
    const step = await eventually(async () => {
      const info = await h.client.workflow
        .getHandle(`${workflowId}.step-1`)
        .describe()
        .catch(() => undefined);
      return info?.typedSearchAttributes.get(TaskIdKey) ? info : undefined;
    });
    const taskId = step.typedSearchAttributes.get(TaskIdKey)!;
    expect(taskId).toMatch(/^h2:k1:[A-Za-z0-9_-]{22}$/);
    expect(step.typedSearchAttributes.get(DatasetIdKey)).toMatch(/^h2:k1:[A-Za-z0-9_-]{22}$/);
    const pipeline = await h.client.workflow.getHandle(workflowId).describe();
    expect(pipeline.typedSearchAttributes.get(DatasetIdKey)).toMatch(/^h2:k1:/);
    expect(JSON.stringify([step.searchAttributes, pipeline.searchAttributes])).not.toContain(dataset.dataset_id);
    await eventually(async () => ((await keysInUse()).length > 0 ? true : undefined));
    expect(keyIds(await keysInUse())).toBe('k1');

    // Rotation: the worker restarts with k2 current (k1 kept for reading); the client too.
    await before.kill();
    await h.startWorker({ TEMPORAL_TASK_QUEUE: queue, ...AFTER });
    const newClient = clientWith(AFTER);
    const slow = h.sim.createDataset({ dataset_name: `rotation-later-${randomUUID().slice(0, 8)}` });
    h.sim.setBehavior(slow.dataset_id, { durationMs: 600_000, progress: 'linear' });
    const later = await startRun(
      newClient,
      {
        steps: [{ kind: 'export', datasetId: slow.dataset_id, request: { path: '/bucket/rotation-later/' } }],
        wait,
        tenant,
      },
      { taskQueue: queue },
    );
    try {
      // The run in flight now holds payloads under both keys.
      const both = await eventually(async () => {
        const keys = await keysInUse();
        return keyIds(keys) === 'k1,k2' &&
          keys.find((k) => k.keyId === 'k1')?.examples.some((e) => e.startsWith(workflowId))
          ? keys
          : undefined;
      });
      expect(both.find((k) => k.keyId === 'k1')?.uses).toEqual(expect.arrayContaining(['payloads', 'search']));
      const result = expectSucceeded(await awaitRun(newClient, workflowId));
      // The task id's hash came with the create's answer, made under the key current then: k1.
      const k1Key = { tenant, id: 'k1', bytes: Buffer.from(k1, 'base64') };
      expect(taskId).toBe(searchHash(k1Key, TaskIdKey.name, result.steps[0]!.taskId));
      // Found by dataset with the rotated keys (its hash is under k1), shown with its dataset id.
      const found = await eventually(async () => {
        const runs = await listRuns(newClient, { datasetId: dataset.dataset_id });
        return runs.find((r) => r.workflowId === workflowId && r.status === 'COMPLETED');
      });
      expect(found.datasetId).toBe(dataset.dataset_id);
      // Once it has ended, only the run started after the rotation needs a key: k1 can be retired.
      const after = await eventually(async () => {
        const keys = await keysInUse();
        return keyIds(keys) === 'k2' ? keys : undefined;
      });
      expect(after[0]?.examples.every((e) => e.startsWith(later.workflowId))).toBe(true);
    } finally {
      await newClient.workflow.getHandle(later.workflowId).terminate('test over');
    }
  });
});
