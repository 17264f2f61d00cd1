/**
 * The import and version activities as Temporal runs them (MockActivityEnvironment), over the real client and the
 * simulator on real HTTP: create-or-reattach (by path and time for imports, by marker for versions) and status reads.
 */
import { ApplicationFailure } from '@temporalio/common';
import { CLOCK_SKEW_MS } from '../../src/activities/task-time.js';
import { publishOrReattachVersionActivity } from '../../src/activities/versions.js';
import type { ModelArtsClient } from '../../src/modelarts/client.js';
import { ModelArtsApiError } from '../../src/modelarts/errors.js';
import type { Simulator } from '../../src/simulator/index.js';
import { runActivity, runStart, startActivityEnv, type ActivityEnv } from '../support/activity-env.js';
import { descriptionWithMarker } from '../../src/workflows/marker.js';
import { eventually, labeledDataset } from '../support/harness.js';

const AK = 'LIFECYCLETESTKEY0001';
const SK = 'lifecycle-test-secret-0001';

let sim: Simulator;
let activities: ActivityEnv['activities'];
beforeAll(async () => {
  ({ sim, activities } = await startActivityEnv(
    { accessKey: AK, secretKey: SK },
    {
      seed: 11,
      // No one-release-per-minute rule here: one test publishes two versions on a dataset.
      versionReleaseIntervalMs: 0,
    },
  ));
});
afterAll(() => sim.close());

describe('createOrReattachImport', () => {
  it('a retry reattaches to the import of the same path created since the step began', async () => {
    const ds = sim.createDataset({ dataset_name: 'import-reattach' });
    // The service echoes s3:// back as obs://: the path still matches.
    const input = {
      datasetId: ds.dataset_id,
      request: { import_path: 's3://bucket/batch/' },
      stepStartedAtMs: Date.now(),
    };
    const first = await runStart(activities.createOrReattachImport, [input]);
    const retry = await runStart(activities.createOrReattachImport, [input], 2);
    expect(first.reattached).toBe(false);
    expect(retry).toEqual({ taskId: first.taskId, reattached: true });
    expect(sim.counters().byDataset[ds.dataset_id]?.importCreates).toBe(1);
  });

  it('never adopts an import from before the step began, nor one of another path', async () => {
    const ds = sim.createDataset({ dataset_name: 'import-older' });
    sim.setBehavior(ds.dataset_id, { durationMs: 200, progress: 'linear' });
    const older = await runStart(activities.createOrReattachImport, [
      { datasetId: ds.dataset_id, request: { import_path: 'obs://bucket/a/' }, stepStartedAtMs: Date.now() },
    ]);
    await eventually(async () => {
      const read = await runActivity(activities.readStatus, [
        { kind: 'import', datasetId: ds.dataset_id, taskId: older.taskId },
      ]);
      return read.ok && read.terminal ? read : undefined;
    });
    // A step that began after that import (beyond the clock-skew allowance), and one importing another path.
    const later = Date.now() + CLOCK_SKEW_MS + 1000;
    const a = await runStart(
      activities.createOrReattachImport,
      [{ datasetId: ds.dataset_id, request: { import_path: 'obs://bucket/a/' }, stepStartedAtMs: later }],
      2,
    );
    await eventually(async () => {
      const read = await runActivity(activities.readStatus, [
        { kind: 'import', datasetId: ds.dataset_id, taskId: a.taskId },
      ]);
      return read.ok && read.terminal ? read : undefined;
    });
    const b = await runStart(
      activities.createOrReattachImport,
      [{ datasetId: ds.dataset_id, request: { import_path: 'obs://bucket/b/' }, stepStartedAtMs: Date.now() }],
      2,
    );
    expect([a.reattached, b.reattached]).toEqual([false, false]);
    expect(new Set([older.taskId, a.taskId, b.taskId]).size).toBe(3);
    expect(sim.counters().byDataset[ds.dataset_id]?.importCreates).toBe(3);
  });
});

describe('publishOrReattachVersion', () => {
  it('creates once; a retry with the same marker reattaches to that version', async () => {
    const ds = labeledDataset(sim, 'version-reattach');
    const marker = 'run-1.s3.abcd1234';
    const input = {
      datasetId: ds.dataset_id,
      request: { version_name: 'v1', description: descriptionWithMarker('nightly', marker) },
      marker,
      stepStartedAtMs: Date.now(),
    };
    const first = await runStart(activities.publishOrReattachVersion, [input]);
    const retry = await runStart(activities.publishOrReattachVersion, [input], 2);
    expect(first.reattached).toBe(false);
    expect(retry).toEqual({ taskId: first.taskId, reattached: true });
    expect(sim.counters().byDataset[ds.dataset_id]?.versionCreates).toBe(1);
  });
});

describe('publishOrReattachVersion when the name is taken', () => {
  const duplicate = () =>
    new ModelArtsApiError({
      httpStatus: 400,
      errorCode: 'ModelArts.4371',
      errorMsg: 'Dataset version already exists',
      method: 'POST',
      path: '/v2/p/datasets/ds1/versions',
    });
  const input = (datasetId: string) => ({
    datasetId,
    request: { version_name: 'v1', description: descriptionWithMarker(undefined, 'run-2.s3.abcd1234') },
    marker: 'run-2.s3.abcd1234',
    stepStartedAtMs: Date.now(),
  });

  it("never adopts someone else's version of that name: the duplicate fails the step", async () => {
    const ds = labeledDataset(sim, 'version-name-taken');
    sim.setBehavior(ds.dataset_id, { durationMs: 100, progress: 'linear' });
    const other = await runStart(activities.publishOrReattachVersion, [
      {
        datasetId: ds.dataset_id,
        request: { version_name: 'v1', description: 'by hand' },
        marker: 'other',
        stepStartedAtMs: 0,
      },
    ]);
    await eventually(async () => {
      const read = await runActivity(activities.readStatus, [
        { kind: 'version', datasetId: ds.dataset_id, taskId: other.taskId },
      ]);
      return read.ok && read.terminal ? read : undefined;
    });
    const err = await runStart(activities.publishOrReattachVersion, [input(ds.dataset_id)], 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).details?.[0]).toMatchObject({ errorCode: 'ModelArts.4371' });
  });

  it('on a retry, takes the version of that name created since the step began when the list shows no description', async () => {
    // A service that does not echo descriptions: the marker cannot be seen, the name and the time can.
    const listed = { version_id: 'ownVersion000000001', version_name: 'v1', create_time: Date.now() };
    const client = {
      listVersions: async () => ({ total_number: 1, versions: [listed] }),
      createVersion: async () => {
        throw duplicate();
      },
    } as unknown as ModelArtsClient;
    const publish = publishOrReattachVersionActivity(client);
    expect(await runActivity(publish, [input('ds1')], 2)).toEqual({ taskId: 'ownVersion000000001', reattached: true });
    // A first attempt cannot have created it; an older one is not this step's.
    expect(await runActivity(publish, [input('ds1')], 1).catch((e: unknown) => e)).toBeInstanceOf(ApplicationFailure);
    listed.create_time = Date.now() - CLOCK_SKEW_MS - 60_000;
    expect(await runActivity(publish, [input('ds1')], 2).catch((e: unknown) => e)).toBeInstanceOf(ApplicationFailure);
  });
});

describe('readStatus of imports and versions', () => {
  it('reads an import to COMPLETED with its sample counts, and a version to 1 (normal) with its name', async () => {
    const ds = labeledDataset(sim, 'lifecycle-reads');
    sim.setBehavior(ds.dataset_id, { durationMs: 300, progress: 'linear', totalSamples: 30 });
    const imported = await runStart(activities.createOrReattachImport, [
      { datasetId: ds.dataset_id, request: { import_path: 'obs://bucket/reads/' }, stepStartedAtMs: Date.now() },
    ]);
    const importRead = await eventually(async () => {
      const read = await runActivity(activities.readStatus, [
        { kind: 'import', datasetId: ds.dataset_id, taskId: imported.taskId },
      ]);
      return read.ok && read.terminal ? read : undefined;
    });
    expect(importRead).toMatchObject({
      status: 'COMPLETED',
      outcome: 'succeeded',
      progress: 100,
      totalSampleCount: 30,
      finishedSampleCount: 30,
    });

    const version = await runStart(activities.publishOrReattachVersion, [
      {
        datasetId: ds.dataset_id,
        request: { version_name: 'reads-v1' },
        marker: 'x-s1-00000000',
        stepStartedAtMs: Date.now(),
      },
    ]);
    const versionRead = await eventually(async () => {
      const read = await runActivity(activities.readStatus, [
        { kind: 'version', datasetId: ds.dataset_id, taskId: version.taskId },
      ]);
      return read.ok && read.terminal ? read : undefined;
    });
    expect(versionRead).toMatchObject({ status: '1', outcome: 'succeeded', label: 'normal', versionName: 'reads-v1' });
  });

  it('reports a version that ends in error as failed, with the service message', async () => {
    const ds = labeledDataset(sim, 'version-error');
    sim.setBehavior(ds.dataset_id, {
      durationMs: 200,
      progress: 'linear',
      fail: { error_code: 'ModelArts.4712', error_msg: 'Dataset publish version failed' },
    });
    const version = await runStart(activities.publishOrReattachVersion, [
      { datasetId: ds.dataset_id, request: {}, marker: 'y-s1-00000000', stepStartedAtMs: Date.now() },
    ]);
    const read = await eventually(async () => {
      const r = await runActivity(activities.readStatus, [
        { kind: 'version', datasetId: ds.dataset_id, taskId: version.taskId },
      ]);
      return r.ok && r.terminal ? r : undefined;
    });
    expect(read).toMatchObject({ status: '4', outcome: 'failed', errorMsg: 'Dataset publish version failed' });
  });
});
