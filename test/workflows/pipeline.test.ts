/**
 * The fast workflow tier: the real pipeline and step workflows on the suite's dev server, in an in-process worker,
 * with stub activities whose reads follow a script (fake-modelarts.ts). Every way a run ends, chains, cancel,
 * deadline, continue-as-new and policy updates, each in about a second.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { awaitRun, getProgress, startRun } from '../../src/client/runs.js';
import { firstReadDelayMs, priorOf, withDefaults } from '../../src/polling/policy.js';
import { moveToCurrentVersionSignal, setPollPolicyUpdate } from '../../src/workflows/definitions.js';
import { eventually, expectSucceeded, FAST_POLICY } from '../support/harness.js';
import {
  failed,
  running,
  startInProcessWorker,
  stopped,
  succeeded,
  unknown,
  type InProcessWorker,
} from './fake-modelarts.js';
import { runMarker } from '../../src/workflows/marker.js';

const { temporal } = proto;

let w: InProcessWorker;
beforeAll(async () => {
  w = await startInProcessWorker();
});
afterAll(async () => w?.close());

let n = 0;
/** A dataset id of the test's own, so scripts never collide. */
const dataset = () => `ds${++n}-${Date.now()}`;
const exportStep = (datasetId: string, extra: Record<string, unknown> = {}) => ({
  kind: 'export',
  datasetId,
  request: { path: '/bucket/out/', ...extra },
});
const start = (spec: Record<string, unknown>) =>
  startRun(w.client, { wait: { policy: FAST_POLICY, deadline: '1m' }, ...spec }, { taskQueue: w.taskQueue });

describe('how a run ends', () => {
  it('succeeds through a chain: a NEW_DATASET export, then an export of the dataset it made', async () => {
    const source = dataset();
    w.fake.script(source, { reads: [running(40), succeeded] });
    const { workflowId } = await start({
      steps: [
        exportStep(source, {
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: `copy-of-${source}`,
            export_new_dataset_work_path: '/bucket/copy/',
          },
        }),
        { kind: 'export', request: { path: '/bucket/coco/', annotation_format: 'COCO' } },
      ],
    });
    const result = expectSucceeded(await awaitRun(w.client, workflowId));
    expect(result.steps.map((s) => [s.datasetId, s.taskId, s.status, s.statusReads])).toEqual([
      [source, `task-of-${source}`, 'SUCCESSED', 2],
      [`id-of-copy-of-${source}`, `task-of-id-of-copy-of-${source}`, 'SUCCESSED', 1],
    ]);
    expect(result.steps[0]!.newDatasetId).toBe(`id-of-copy-of-${source}`);
    // Each step writes into a folder of its own run under the path (the marker that makes reattach possible).
    const creates = w.fake.callsOf('createOrReattachExport') as { request: { path: string } }[];
    const { runId } = await w.client.workflow.getHandle(workflowId).describe();
    expect(creates.at(-1)!.request.path).toBe(`/bucket/coco/${runMarker(workflowId, 1, runId)}/`);
  });

  it('fails at ModelArts with its error_code and error_msg, as a typed kind with details', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [running(10), failed('ModelArts.4401', 'OBS write denied')] });
    const run = await awaitRun(w.client, (await start({ steps: [exportStep(id)] })).workflowId);
    expect([run.outcome, run.kind]).toEqual(['failed', 'failed-at-modelarts']);
    if (run.outcome === 'succeeded') return;
    expect(run.details).toMatchObject({
      failedStep: 1,
      taskId: `task-of-${id}`,
      errorCode: 'ModelArts.4401',
      errorMsg: 'OBS write denied',
    });
  });

  it('fails as a client error when ModelArts refuses the create, without retrying or reading', async () => {
    const id = dataset();
    w.fake.script(id, {
      reads: [succeeded],
      startError: ApplicationFailure.create({
        type: 'ModelArtsClientError',
        message: 'HTTP 400 ModelArts.4352: Dataset does not exist',
        nonRetryable: true,
        details: [{ httpStatus: 400, errorCode: 'ModelArts.4352', errorMsg: 'Dataset does not exist' }],
      }),
    });
    const run = await awaitRun(w.client, (await start({ steps: [exportStep(id)] })).workflowId);
    expect([run.outcome, run.kind]).toEqual(['failed', 'client-error']);
    if (run.outcome === 'succeeded') return;
    expect(run.details).toMatchObject({ failedStep: 1, errorCode: 'ModelArts.4352' });
    expect(
      w.fake.callsOf('createOrReattachExport').filter((c) => (c as { datasetId: string }).datasetId === id),
    ).toHaveLength(1);
    expect(w.fake.callsOf('readStatus').filter((r) => (r as { datasetId: string }).datasetId === id)).toHaveLength(0);
  });

  it('times out at the deadline, naming the export task it leaves running', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [running(1)] });
    const { workflowId } = await startRun(
      w.client,
      { steps: [exportStep(id)], wait: { policy: FAST_POLICY, deadline: 1500 } },
      { taskQueue: w.taskQueue },
    );
    const run = await awaitRun(w.client, workflowId);
    expect([run.outcome, run.kind]).toEqual(['timed-out', 'deadline-exceeded']);
    if (run.outcome === 'succeeded') return;
    expect(run.details).toMatchObject({ failedStep: 1, taskId: `task-of-${id}`, leftRunning: `task-of-${id}` });
    expect(run.message).toContain(`export task task-of-${id} left running`);
  });

  it('is cancelled: an export is left running and named, an intelligent task is stopped', async () => {
    const exp = dataset();
    const task = dataset();
    w.fake.script(exp, { reads: [running(5)] });
    w.fake.script(task, { reads: [{ ...running(5), status: '1' }] });
    const a = await start({ steps: [exportStep(exp)] });
    const b = await start({
      steps: [{ kind: 'intelligent-task', datasetId: task, request: { task_type: 'auto-label' } }],
    });
    for (const { workflowId } of [a, b]) {
      await eventually(
        async () => ((await getProgress(w.client, workflowId)).step?.statusReads ?? 0) >= 1 || undefined,
      );
    }
    await Promise.all([a.handle.cancel(), b.handle.cancel()]);
    const [ra, rb] = await Promise.all([awaitRun(w.client, a.workflowId), awaitRun(w.client, b.workflowId)]);
    expect([ra.kind, rb.kind]).toEqual(['cancelled', 'cancelled']);
    if (ra.outcome === 'succeeded' || rb.outcome === 'succeeded') return;
    expect(ra.details).toMatchObject({ failedStep: 1, taskId: `task-of-${exp}`, leftRunning: `task-of-${exp}` });
    expect(rb.details).toMatchObject({ failedStep: 1, taskId: `task-of-${task}` });
    expect(rb.details?.leftRunning).toBeUndefined();
    expect(rb.message).toContain(`intelligent task task-of-${task} stopped`);
    expect(w.fake.callsOf('stopTask')).toContainEqual(
      expect.objectContaining({
        kind: 'intelligent',
        datasetId: task,
        taskId: `task-of-${task}`,
      }),
    );
    expect(w.fake.callsOf('stopTask')).not.toContainEqual(expect.objectContaining({ datasetId: exp }));
  });
});

describe('lost attempts', () => {
  it('retries a create that never answers after the heartbeat timeout, though it never beat (no beat at the start)', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [succeeded], hangFirstCreate: true });
    const { workflowId } = await start({ steps: [exportStep(id)] });
    expectSucceeded(await awaitRun(w.client, workflowId));
    expect(
      w.fake.callsOf('createOrReattachExport').filter((c) => (c as { datasetId: string }).datasetId === id),
    ).toHaveLength(2);
    // The second attempt's start names why the first ended: the server's heartbeat timer, which runs from the
    // attempt's start, so activities need not beat at once (src/activities/heartbeat.ts).
    const history = await w.client.workflow.getHandle(`${workflowId}.step-1`).fetchHistory();
    const started = (history.events ?? []).flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes] : [],
    );
    const retried = started.find((a) => a.attempt === 2);
    expect(retried?.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(
      temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
    );
  });
});

describe('statuses beyond the documented four', () => {
  it('an export STOPPED at ModelArts fails the run as stopped there, not by this run', async () => {
    const id = dataset();
    w.fake.script(id, {
      reads: [running(20), { ...running(20), status: 'STOPPING', label: 'stopping' }, stopped],
    });
    const run = await awaitRun(w.client, (await start({ steps: [exportStep(id)] })).workflowId);
    expect([run.outcome, run.kind]).toEqual(['failed', 'failed-at-modelarts']);
    if (run.outcome === 'succeeded') return;
    expect(run.message).toContain(`export task task-of-${id} on dataset ${id} ended STOPPED: stopped at ModelArts`);
  });

  it('waits out an unknown status for a bounded time only, then fails saying so', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [unknown('PAUSED')] });
    const { workflowId } = await startRun(
      w.client,
      { steps: [exportStep(id)], wait: { policy: FAST_POLICY, deadline: '1h', unknownStatusLimitMs: 1500 } },
      { taskQueue: w.taskQueue },
    );
    const run = await awaitRun(w.client, workflowId);
    expect(run.kind).toBe('failed');
    if (run.outcome === 'succeeded') return;
    expect(run.message).toMatch(/answered status "PAUSED", which no ModelArts document lists, for \d+ s/);
    expect(run.details).toMatchObject({ taskId: `task-of-${id}`, leftRunning: `task-of-${id}` });
  });

  it('goes on when an unknown status passes', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [unknown('PAUSED'), unknown('PAUSED'), running(0), unknown('PAUSED'), succeeded] });
    const { workflowId } = await startRun(
      w.client,
      { steps: [exportStep(id)], wait: { policy: FAST_POLICY, unknownStatusLimitMs: 60_000 } },
      { taskQueue: w.taskQueue },
    );
    expect(expectSucceeded(await awaitRun(w.client, workflowId)).steps[0]!.statusReads).toBe(5);
  });
});

describe('long waits', () => {
  it('continue-as-new carries the task and the read count over', async () => {
    const id = dataset();
    // No progress to aim at, so the reads come at the policy's short blind delays.
    w.fake.script(id, { reads: [running(0), running(0), running(0), running(0), running(0), succeeded] });
    const { workflowId } = await startRun(
      w.client,
      { steps: [exportStep(id)], wait: { policy: FAST_POLICY, deadline: '1m', maxReadsPerRun: 2 } },
      { taskQueue: w.taskQueue },
    );
    const result = expectSucceeded(await awaitRun(w.client, workflowId));
    // Six reads at two per run: the step continued as new twice, and reattached to nothing (one create).
    expect(result.steps[0]!.statusReads).toBe(6);
    expect(
      w.fake.callsOf('createOrReattachExport').filter((c) => (c as { datasetId: string }).datasetId === id),
    ).toHaveLength(1);
    const runs = await eventually(async () => {
      const listed = [];
      for await (const e of w.client.workflow.list({ query: `WorkflowId = '${workflowId}.step-1'` })) listed.push(e);
      return listed.length === 3 ? listed : undefined;
    });
    expect(runs.map((r) => r.status.name).sort()).toEqual(['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
  });

  it('a deadline still ends a wait that continued as new', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [running(0)] });
    const { workflowId } = await startRun(
      w.client,
      { steps: [exportStep(id)], wait: { policy: FAST_POLICY, deadline: 2500, maxReadsPerRun: 2 } },
      { taskQueue: w.taskQueue },
    );
    const run = await awaitRun(w.client, workflowId);
    expect(run.kind).toBe('deadline-exceeded');
    // More reads than one run holds: the deadline set by the first run ended a later one.
    expect(
      w.fake.callsOf('readStatus').filter((r) => (r as { datasetId: string }).datasetId === id).length,
    ).toBeGreaterThan(2);
  });

  it('a run given a duration prior reads a fresh task first near the expected finish, and few times', async () => {
    const id = dataset();
    const durationMs = 4_000;
    w.fake.script(id, { durationMs });
    const { workflowId } = await startRun(
      w.client,
      { steps: [exportStep(id)], wait: { policy: FAST_POLICY, deadline: '1m', expectedDuration: durationMs } },
      { taskQueue: w.taskQueue },
    );
    const result = expectSucceeded(await awaitRun(w.client, workflowId));
    // Without the prior the same task is read at 100 ms, then growing blind delays capped at 1 s: 6+ reads.
    expect(result.steps[0]!.statusReads).toBeLessThanOrEqual(3);
    // No read at creation: the first came after the prior's aim (timers never fire early; load only delays them).
    const history = await w.client.workflow.getHandle(`${workflowId}.step-1`).fetchHistory();
    const timers = (history.events ?? []).flatMap((e) =>
      e.timerStartedEventAttributes ? [e.timerStartedEventAttributes] : [],
    );
    const timeout = timers[0]?.startToFireTimeout;
    const firstTimerMs = Number(timeout?.seconds ?? 0) * 1000 + Math.round((timeout?.nanos ?? 0) / 1e6);
    const firstRead = (history.events ?? []).findIndex(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'readStatus',
    );
    const firstTimer = (history.events ?? []).findIndex((e) => e.timerStartedEventAttributes);
    expect(firstTimer).toBeGreaterThanOrEqual(0);
    expect(firstTimer).toBeLessThan(firstRead);
    // 0.8 × 4 s, less 80 % of the 2 s minimum detection tolerance.
    expect(firstTimerMs).toBe(firstReadDelayMs(priorOf(durationMs), withDefaults(FAST_POLICY)));
  });

  it('a task whose percentage stays 0 but whose sample counts move is read by its counts, not blind', async () => {
    const id = dataset();
    w.fake.script(id, { durationMs: 4_000, samples: 10_000 });
    const { workflowId } = await start({ steps: [exportStep(id)] });
    expectSucceeded(await awaitRun(w.client, workflowId));
    const history = await w.client.workflow.getHandle(`${workflowId}.step-1`).fetchHistory();
    const reasons = (history.events ?? []).flatMap((e) =>
      e.timerStartedEventAttributes ? [Buffer.from(e.userMetadata?.summary?.data ?? []).toString()] : [],
    );
    // Blind reads say "backoff"; a read planned from progress says "eta" (or "tolerance" near the finish).
    expect(reasons.some((r) => r.includes('(eta)'))).toBe(true);
  });

  it("a drain's move signal on an unversioned worker only wakes the wait: it reads at once and stays one run", async () => {
    const id = dataset();
    w.fake.script(id, { reads: [running(1), succeeded] });
    const { workflowId } = await startRun(
      w.client,
      {
        steps: [exportStep(id)],
        wait: { policy: { initialDelayMs: 3_600_000, minDelayMs: 3_600_000, maxDelayMs: 3_600_000 }, deadline: '2h' },
      },
      { taskQueue: w.taskQueue },
    );
    await eventually(async () => ((await getProgress(w.client, workflowId)).step?.statusReads ?? 0) >= 1 || undefined);
    await w.client.workflow.getHandle(`${workflowId}.step-1`).signal(moveToCurrentVersionSignal);
    const result = expectSucceeded(await awaitRun(w.client, workflowId));
    expect(result.steps[0]!.statusReads).toBe(2);
    // No version to move to: no continue-as-new.
    const history = await w.client.workflow.getHandle(`${workflowId}.step-1`).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(false);
    expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeFalsy();
  });

  it('applies a policy update to a waiting run at once and rejects a bad one naming the field', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [running(1), succeeded] });
    // The first read comes at once; the next would come an hour later under this policy.
    const { workflowId, handle } = await startRun(
      w.client,
      {
        steps: [exportStep(id)],
        wait: { policy: { initialDelayMs: 3_600_000, minDelayMs: 3_600_000, maxDelayMs: 3_600_000 }, deadline: '2h' },
      },
      { taskQueue: w.taskQueue },
    );
    await eventually(async () => ((await getProgress(w.client, workflowId)).step?.statusReads ?? 0) >= 1 || undefined);
    await expect(handle.executeUpdate(setPollPolicyUpdate, { args: [{ minDelayMs: -5 }] })).rejects.toThrow(
      WorkflowUpdateFailedError,
    );
    const applied = await handle.executeUpdate(setPollPolicyUpdate, {
      args: [{ initialDelayMs: 100, minDelayMs: 100, maxDelayMs: 200 }],
    });
    expect(applied.maxDelayMs).toBe(200);
    const result = expectSucceeded(await awaitRun(w.client, workflowId));
    expect(result.steps[0]!.statusReads).toBe(2);
  });
});
