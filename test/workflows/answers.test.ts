/**
 * Bad answers in the wait (stub activities, real workflows): malformed status answers end the step after a bounded
 * number in a row, failed reads of any kind after a bounded time, each with a message naming what went wrong, long
 * before the step's deadline; the counts survive continue-as-new, and a sound read in between starts them again.
 */
import type { TransientReadFailure } from '../../src/activities/types.js';
import { awaitRun, startRun, type RunOutcome } from '../../src/client/runs.js';
import { expectSucceeded, FAST_POLICY } from '../support/harness.js';
import { running, startInProcessWorker, succeeded, type InProcessWorker } from './fake-modelarts.js';

let w: InProcessWorker;
beforeAll(async () => {
  w = await startInProcessWorker();
});
afterAll(async () => w?.close());

let n = 0;
const dataset = () => `answers${++n}-${Date.now()}`;
/** Fast error backoff too: failed reads come at 100–300 ms. */
const policy = { ...FAST_POLICY, errorBackoff: { initialMs: 100, maxMs: 300, multiplier: 2 } };

const malformedRead = (datasetId: string): TransientReadFailure => ({
  ok: false,
  malformed: true,
  httpStatus: 200,
  message:
    `ModelArts GET /v2/p1/datasets/${datasetId}/export-tasks/task-of-${datasetId} answered a malformed body: ` +
    'progress: expected number, got string "abc"',
});
const unavailable: TransientReadFailure = {
  ok: false,
  httpStatus: 503,
  errorCode: 'ModelArts.4700',
  message: 'ModelArts GET /v2/p1/datasets/x/export-tasks/y failed with HTTP 503 ModelArts.4700: Unavailable gateway.',
};

async function run(datasetId: string, wait: Record<string, unknown>): Promise<RunOutcome> {
  const { workflowId } = await startRun(
    w.client,
    {
      steps: [{ kind: 'export', datasetId, request: { path: '/bucket/out/' } }],
      wait: { policy, deadline: '10m', ...wait },
    },
    { taskQueue: w.taskQueue },
  );
  return awaitRun(w.client, workflowId);
}

describe('malformed status answers', () => {
  it('end the step after the limit in a row, naming the field, long before the deadline', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [running(10), malformedRead(id)] });
    const outcome = await run(id, { malformedReadLimit: 3 });
    expect([outcome.outcome, outcome.kind]).toEqual(['failed', 'failed']);
    if (outcome.outcome === 'succeeded') return;
    expect(outcome.message).toContain(
      'ModelArts answered 3 status reads in a row in a shape the API does not document',
    );
    expect(outcome.message).toContain('progress: expected number, got string "abc"');
    expect(outcome.details).toMatchObject({ failedStep: 1, taskId: `task-of-${id}`, leftRunning: `task-of-${id}` });
  });

  it('use the default limit of 5 when the spec names none', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [malformedRead(id)] });
    const outcome = await run(id, {});
    if (outcome.outcome === 'succeeded') throw new Error('expected a failure');
    expect(outcome.message).toContain('answered 5 status reads in a row');
  });

  it('a read that claims to be fine but carries a string progress (an unchecked activity) fails the same way', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [{ ...running(0), progress: 'abc' as unknown as number }] });
    const outcome = await run(id, { malformedReadLimit: 2 });
    expect(outcome.kind).toBe('failed');
    if (outcome.outcome === 'succeeded') return;
    expect(outcome.message).toContain('progress: expected a number, got string');
  });

  it('are counted across continue-as-new', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [malformedRead(id)] });
    const outcome = await run(id, { malformedReadLimit: 4, maxReadsPerRun: 2, deadline: '30s' });
    expect(outcome.kind).toBe('failed');
    if (outcome.outcome === 'succeeded') return;
    expect(outcome.message).toContain('answered 4 status reads in a row');
  });

  it('a sound read in between starts the count again', async () => {
    const id = dataset();
    const bad = malformedRead(id);
    w.fake.script(id, { reads: [bad, bad, running(20), bad, bad, running(60), succeeded] });
    const result = expectSucceeded(await run(id, { malformedReadLimit: 3 }));
    expect(result.steps[0]!.statusReads).toBe(7);
  });
});

describe('failed reads of any kind', () => {
  it('end the step after the time bound of nothing but failures, naming the last error and keeping its code', async () => {
    const id = dataset();
    w.fake.script(id, { reads: [running(5), unavailable] });
    const outcome = await run(id, { failedReadLimitMs: 1500 });
    expect([outcome.outcome, outcome.kind]).toEqual(['failed', 'failed']);
    if (outcome.outcome === 'succeeded') return;
    expect(outcome.message).toMatch(/status reads have failed for \d+ s \(limit 2 s\)/);
    expect(outcome.message).toContain(
      'The last error: ModelArts GET /v2/p1/datasets/x/export-tasks/y failed with HTTP 503',
    );
    expect(outcome.details).toMatchObject({ taskId: `task-of-${id}`, errorCode: 'ModelArts.4700' });
  });

  it('malformed and other failures mixed are bounded by the time bound too', async () => {
    const id = dataset();
    const bad = malformedRead(id);
    w.fake.script(id, { reads: [bad, unavailable, bad, unavailable, bad, unavailable, bad, unavailable] });
    const outcome = await run(id, { failedReadLimitMs: 1500, malformedReadLimit: 3 });
    expect(outcome.kind).toBe('failed');
    if (outcome.outcome === 'succeeded') return;
    expect(outcome.message).toContain('status reads have failed for');
  });
});
