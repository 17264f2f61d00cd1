/**
 * Bad answers, from the simulator's answer faults over real HTTP: the client names the call and field of a malformed
 * answer, abandons an oversized one while it streams in, cuts long free text and caps Retry-After; the activities
 * turn them into bounded retries (status reads report them, creates give up after a few attempts).
 */
import { ApplicationFailure } from '@temporalio/common';
import { AkSkAuth } from '../../src/modelarts/auth.js';
import { MAX_FREE_TEXT_CHARS, MAX_RETRY_AFTER_MS } from '../../src/modelarts/bounded.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import {
  classifyError,
  ModelArtsApiError,
  ModelArtsMalformedAnswerError,
  ModelArtsResponseError,
} from '../../src/modelarts/errors.js';
import { MALFORMED_ANSWER_ATTEMPTS } from '../../src/activities/failures.js';
import type { Simulator } from '../../src/simulator/index.js';
import { runActivity, startActivityEnv, type ActivityEnv } from '../support/activity-env.js';

const CREDENTIALS = { accessKey: 'ANSWERSTESTKEY000001', secretKey: 'answers-test-secret-0001' };

let env: ActivityEnv;
let sim: Simulator;
let client: ModelArtsClient;
beforeAll(async () => {
  env = await startActivityEnv(CREDENTIALS, { seed: 11, defaults: { durationMs: 60_000, progress: 'linear' } });
  ({ sim, client } = env);
});
afterAll(() => sim.close());
afterEach(() => sim.setFaults({}));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

/** A dataset with one running export task, created before any fault is set. */
async function runningExport(name: string) {
  const ds = sim.createDataset({ dataset_name: name });
  const { task_id } = await client.createExportTask(ds.dataset_id, { path: `/bucket/${name}/` });
  return { datasetId: ds.dataset_id, taskId: task_id };
}

describe('malformed answers', () => {
  it('a mistyped field on status reads names the call and the field; other routes are untouched', async () => {
    const { datasetId, taskId } = await runningExport('abc-progress');
    sim.setFaults({ onlyPaths: 'status', answerFields: { progress: 'abc' } });
    const err = await rejection(client.getExportTask(datasetId, taskId));
    expect(err).toBeInstanceOf(ModelArtsMalformedAnswerError);
    expect((err as Error).message).toBe(
      `ModelArts GET /v2/${sim.projectId}/datasets/${datasetId}/export-tasks/${taskId} answered a malformed body: ` +
        'progress: expected number, got string "abc"',
    );
    expect(classifyError(err)).toMatchObject({ retryable: true, malformed: true });
    expect((await client.listExportTasks(datasetId)).export_tasks[0]?.task_id).toBe(taskId);
    expect(sim.counters().faultsInjected.answers).toBeGreaterThanOrEqual(1);
  });

  it('a list that is not an array, and a create answer without a usable task_id', async () => {
    const ds = sim.createDataset({ dataset_name: 'bad-lists' });
    sim.setFaults({ answerFields: { export_tasks: { not: 'a list' }, tasks: 'x', task_id: 42 } });
    expect(((await rejection(client.listExportTasks(ds.dataset_id))) as Error).message).toContain(
      'answered a malformed body: export_tasks: expected array, got object',
    );
    expect(((await rejection(client.listTasks(ds.dataset_id))) as Error).message).toContain(
      'tasks: expected array, got string "x"',
    );
    const created = await rejection(client.createExportTask(ds.dataset_id, { path: '/bucket/c/' }));
    expect((created as Error).message).toContain('task_id: expected string, got number 42');
    // The POST took effect: a retry must list and reattach, not create blindly.
    expect(classifyError(created)).toMatchObject({ retryable: true, mayHaveSucceeded: true });
  });

  it('an empty 200 is malformed; an HTML 200 (a proxy page) is a failed read, never a TypeError', async () => {
    const { datasetId, taskId } = await runningExport('empty-html');
    sim.setFaults({ answerBody: 'empty' });
    const empty = await rejection(client.getExportTask(datasetId, taskId));
    expect(empty).toBeInstanceOf(ModelArtsMalformedAnswerError);
    expect((empty as Error).message).toContain('got an empty body');
    expect(((await rejection(client.listDatasets())) as Error).message).toContain('got an empty body');

    sim.setFaults({ answerBody: 'html' });
    const html = await rejection(client.getExportTask(datasetId, taskId));
    expect(html).toBeInstanceOf(ModelArtsResponseError);
    expect(html).not.toBeInstanceOf(ModelArtsMalformedAnswerError);
    expect((html as Error).message).toContain('answer is not JSON');
    expect(classifyError(html)).toMatchObject({ retryable: true });
  });
});

describe('bounded sizes', () => {
  it('abandons an answer larger than 10 MB while it streams in', async () => {
    const { datasetId, taskId } = await runningExport('huge');
    sim.setFaults({ onlyPaths: 'status', hugeAnswerBytes: 11 * 1024 * 1024 });
    const err = await rejection(client.getExportTask(datasetId, taskId));
    expect(err).toBeInstanceOf(ModelArtsMalformedAnswerError);
    expect((err as Error).message).toContain('answer larger than 10 MB');
    // An answer under the cap, padded with a field no document lists, is fine.
    sim.setFaults({ onlyPaths: 'status', hugeAnswerBytes: 300 * 1024 });
    expect((await client.getExportTask(datasetId, taskId)).task_id).toBe(taskId);
  });

  it('the cap is the client option', async () => {
    const { datasetId, taskId } = await runningExport('small-cap');
    const capped = new ModelArtsClient({
      endpoint: sim.url,
      projectId: sim.projectId,
      auth: new AkSkAuth(CREDENTIALS),
      maxAnswerBytes: 64 * 1024,
    });
    sim.setFaults({ hugeAnswerBytes: 1024 * 1024 });
    expect(((await rejection(capped.getExportTask(datasetId, taskId))) as Error).message).toContain(
      'answer larger than 65536 bytes',
    );
  });

  it('cuts a 3 MB error_msg of a failed task and of an error answer, keeping the error_code', async () => {
    const ds = sim.createDataset({
      dataset_name: 'long-error',
      behavior: { durationMs: 10, fail: { error_code: 'ModelArts.4401', error_msg: 'OBS write denied' } },
    });
    const { task_id } = await client.createExportTask(ds.dataset_id, { path: '/bucket/fail/' });
    sim.setFaults({ errorMsgBytes: 3 * 1024 * 1024 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const task = await client.getExportTask(ds.dataset_id, task_id);
    expect([task.status, task.error_code]).toEqual(['FAILED', 'ModelArts.4401']);
    expect(task.error_msg!.startsWith('OBS write denied')).toBe(true);
    expect(task.error_msg!.length).toBeLessThan(MAX_FREE_TEXT_CHARS + 100);
    expect(task.error_msg).toContain('[truncated:');

    const err = await rejection(client.getExportTask(ds.dataset_id, 'noSuchTask000000000'));
    expect(err).toBeInstanceOf(ModelArtsApiError);
    expect((err as ModelArtsApiError).errorCode).toBe('ModelArts.4359');
    expect((err as Error).message.length).toBeLessThan(MAX_FREE_TEXT_CHARS + 300);
  });

  it('caps an absurd Retry-After at an hour', async () => {
    const { datasetId, taskId } = await runningExport('retry-after');
    sim.setFaults({ throttleRate: 1, retryAfterSeconds: 99_999_999 });
    const err = await rejection(client.getExportTask(datasetId, taskId));
    expect(err).toBeInstanceOf(ModelArtsApiError);
    expect((err as ModelArtsApiError).retryAfterMs).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('activities', () => {
  it('readStatus reports a malformed answer as a transient read flagged malformed, and HTML as plain transient', async () => {
    const { datasetId, taskId } = await runningExport('read-activity');
    const ref = { kind: 'export' as const, datasetId, taskId };
    sim.setFaults({ onlyPaths: 'status', answerFields: { progress: 'abc' } });
    const bad = await runActivity(env.activities.readStatus, [ref]);
    expect(bad).toMatchObject({ ok: false, malformed: true, httpStatus: 200 });
    expect(!bad.ok && bad.message).toContain('progress: expected number, got string "abc"');

    sim.setFaults({ onlyPaths: 'status', answerBody: 'html' });
    const html = await runActivity(env.activities.readStatus, [ref]);
    expect(html).toMatchObject({ ok: false });
    expect(!html.ok && 'malformed' in html && html.malformed).toBeFalsy();
  });

  it('create-or-reattach retries a malformed answer a bounded number of attempts, then fails with its message', async () => {
    const ds = sim.createDataset({ dataset_name: 'create-activity' });
    const input = { datasetId: ds.dataset_id, request: { path: '/bucket/out/run-x-s1-abcd1234/' } };
    sim.setFaults({ answerFields: { export_tasks: 'x' } });
    for (let attempt = 1; attempt < MALFORMED_ANSWER_ATTEMPTS; attempt++) {
      const failure = await rejection(runActivity(env.activities.createOrReattachExport, [input], attempt));
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect((failure as ApplicationFailure).nonRetryable).toBe(false);
    }
    const last = (await rejection(
      runActivity(env.activities.createOrReattachExport, [input], MALFORMED_ANSWER_ATTEMPTS),
    )) as ApplicationFailure;
    expect([last.type, last.nonRetryable]).toEqual(['ModelArtsMalformedAnswer', true]);
    expect(last.message).toContain('export_tasks: expected array, got string "x"');
    expect(sim.counters().byDataset[ds.dataset_id]?.exportCreates ?? 0).toBe(0);
  });
});
