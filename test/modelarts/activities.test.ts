/**
 * The activities as Temporal runs them (MockActivityEnvironment supplies the activity context), over the real
 * client and the simulator on real HTTP: create-or-reattach, status reads, failure types and heartbeats.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Simulator } from '../../src/simulator/index.js';
import { type ActivityEnv, failureOf, runActivity, runStart, startActivityEnv } from '../support/activity-env.js';
import { labeledDataset } from '../support/harness.js';

const AK = 'ACTIVITYTESTKEY00001';
const SK = 'activity-test-secret-0001';

let sim: Simulator;
let activities: ActivityEnv['activities'];
beforeAll(async () => {
  ({ sim, activities } = await startActivityEnv({ accessKey: AK, secretKey: SK }, { seed: 7 }));
});
afterAll(() => sim.close());

describe('createOrReattachExport', () => {
  it('creates once; a retry of the same request (same marker folder) reattaches to that task', async () => {
    const ds = sim.createDataset({ dataset_name: 'reattach' });
    const input = { datasetId: ds.dataset_id, request: { path: '/bucket/out/run-1-s1-abcd1234/' } };
    const first = await runStart(activities.createOrReattachExport, [input]);
    const retry = await runStart(activities.createOrReattachExport, [input], 2);
    expect(first.reattached).toBe(false);
    expect(retry).toEqual({ taskId: first.taskId, reattached: true });
    expect(sim.counters().byDataset[ds.dataset_id]?.exportCreates).toBe(1);
  });

  it('fails non-retryably with ModelArts error_code and error_msg in the details for an unknown dataset', async () => {
    const failure = await failureOf(
      runStart(activities.createOrReattachExport, [
        { datasetId: 'doesNotExist0000000', request: { path: '/bucket/x/' } },
      ]),
    );
    expect([failure.type, failure.nonRetryable]).toEqual(['ModelArtsClientError', true]);
    expect(failure.details?.[0]).toMatchObject({ httpStatus: 400, errorCode: 'ModelArts.4352' });
  });
});

describe('readStatus', () => {
  it('reports a transient failure to the policy instead of throwing, with Retry-After', async () => {
    const ds = sim.createDataset({ dataset_name: 'throttled' });
    const { taskId } = await runStart(activities.createOrReattachExport, [
      { datasetId: ds.dataset_id, request: { path: '/bucket/t/' } },
    ]);
    sim.setFaults({ throttleRate: 1, retryAfterSeconds: 7, onlyPaths: 'status' });
    try {
      const read = await runActivity(activities.readStatus, [{ kind: 'export', datasetId: ds.dataset_id, taskId }]);
      expect(read).toMatchObject({ ok: false, retryAfterMs: 7000, errorCode: 'ModelArts.4206' });
    } finally {
      sim.setFaults({});
    }
  });

  it('throws a non-retryable client error for a task that does not exist', async () => {
    const ds = sim.createDataset({ dataset_name: 'no-task' });
    const failure = await failureOf(
      runActivity(activities.readStatus, [{ kind: 'export', datasetId: ds.dataset_id, taskId: 'noSuchTask000000000' }]),
    );
    expect([failure.type, failure.nonRetryable]).toEqual(['ModelArtsClientError', true]);
    expect(failure.details?.[0]).toMatchObject({ errorCode: 'ModelArts.4359' });
  });
});

describe('heartbeats', () => {
  it('beats every second while a slow call is in flight, and not at all for a quick one', async () => {
    const ds = sim.createDataset({ dataset_name: 'slow' });
    sim.setFaults({ slowRate: 1, slowMs: 2200 });
    try {
      const env = new MockActivityEnvironment();
      let beats = 0;
      env.on('heartbeat', () => beats++);
      const found = (await env.run(activities.resolveDatasetByName, { name: 'slow' })) as { datasetId: string };
      expect(found.datasetId).toBe(ds.dataset_id);
      expect(beats).toBeGreaterThanOrEqual(2);
    } finally {
      sim.setFaults({});
    }
    const quick = new MockActivityEnvironment();
    let quickBeats = 0;
    quick.on('heartbeat', () => quickBeats++);
    await quick.run(activities.resolveDatasetByName, { name: 'slow' });
    expect(quickBeats).toBe(0);
  });
});

describe('stopTask', () => {
  it('treats a stop that races the task’s own end as done (the service refuses to stop a finished task)', async () => {
    const ds = labeledDataset(sim, 'finishing');
    sim.setBehavior(ds.dataset_id, { durationMs: 50, progress: 'linear' });
    const { taskId } = await runStart(activities.startOrReattachTask, [
      { datasetId: ds.dataset_id, request: { task_type: 'auto-label' }, marker: 'run-x.s1' },
    ]);
    await new Promise((r) => setTimeout(r, 200));
    const ref = { kind: 'intelligent' as const, datasetId: ds.dataset_id, taskId };
    await expect(runActivity(activities.stopTask, [ref])).resolves.toBeUndefined();
    // A stop the service refuses for any other reason still fails, naming the error.
    const missing = await failureOf(runActivity(activities.stopTask, [{ ...ref, taskId: 'noSuchTask000000000' }]));
    expect(missing.type).toBe('ModelArtsClientError');
  });
});

describe('startOrReattachTask', () => {
  it('on a retry without its marker in the list, reattaches to the one running task of its type started since the step began', async () => {
    // A service on UTC+3 that (unlike the simulator) would not echo config.description: the earlier attempt's task
    // is here but carries another description, so only the second way can find it.
    const {
      sim: zoned,
      client,
      activities: zonedActivities,
    } = await startActivityEnv({ accessKey: AK, secretKey: SK }, { taskTimeZoneOffsetMinutes: 180 });
    try {
      const ds = labeledDataset(zoned, 'second-way');
      zoned.setBehavior(ds.dataset_id, { durationMs: 60_000, progress: 'linear' });
      const stepStartedAtMs = Date.now() - 5000;
      const { task_id: earlier } = await client.startTask(ds.dataset_id, {
        task_type: 'auto-label',
        config: { description: 'lost marker' },
      });
      const input = {
        datasetId: ds.dataset_id,
        request: { task_type: 'auto-label' as const },
        marker: 'run-y.s1',
        stepStartedAtMs,
      };
      expect(await runStart(zonedActivities.startOrReattachTask, [input], 2)).toEqual({
        taskId: earlier,
        reattached: true,
      });
      // Its create_time, printed on UTC+3, is read back as the real time once the step's start bounds it.
      const ref = { kind: 'intelligent' as const, datasetId: ds.dataset_id, taskId: earlier };
      const corrected = await runActivity(zonedActivities.readStatus, [{ ...ref, createdAfterMs: stepStartedAtMs }]);
      const asUtc = await runActivity(zonedActivities.readStatus, [ref]);
      if (!corrected.ok || !asUtc.ok) throw new Error('status read failed');
      expect(Math.abs(corrected.createTimeMs - Date.now())).toBeLessThan(10_000);
      expect(Math.round((asUtc.createTimeMs - corrected.createTimeMs) / 3_600_000)).toBe(3);
      // A first attempt cannot have created anything before, so it never adopts a task by time: it starts one,
      // which the service refuses while another auto labeling task runs on the dataset: busy, waited out.
      expect(await runActivity(zonedActivities.startOrReattachTask, [input], 1)).toEqual({
        busy: true,
        errorCode: 'ModelArts.4386',
        errorMsg: 'Auto labeling task exist',
        reason: 'an auto labeling task is running on the dataset',
      });
      // A task started before the step began is not this run's. On a retry the running task may be our own
      // (unseen), so the refusal is not waited out: the start fails as before.
      const late = { ...input, stepStartedAtMs: Date.now() + 10 * 60_000 };
      expect((await failureOf(runActivity(zonedActivities.startOrReattachTask, [late], 2))).message).toMatch(
        /ModelArts\.4386/,
      );
    } finally {
      await zoned.close();
    }
  });
});
