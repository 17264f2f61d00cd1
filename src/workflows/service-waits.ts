/**
 * Waits on the service itself rather than on a task: a create refused because the dataset is busy with another
 * operation (ModelArts.4343, 4356, ...) is tried again after a durable timer, and a NEW_DATASET export's dataset is
 * read until it is usable. Both are bounded by the step's deadline (or, without one, START_RETRY_BUDGET_MS), and
 * both say in the step's current details and progress query what they wait for.
 *
 * Replay: a create that is not refused, and a new dataset that is usable at once (or whose lookup, recorded before
 * statuses were returned, has none), add no command, so histories recorded before these waits replay unchanged.
 */
import { ApplicationFailure, CancellationScope, log } from '@temporalio/workflow';
import { busyDelayMs } from '../polling/policy.js';
import { describeDatasetStatus } from '../polling/status.js';
import type { BusyAnswer, StartAnswer, StartedTask } from '../activities/types.js';
import { FAILURE, type StepEndDetails } from '../contract/failures.js';
import type { StepState } from './step-state.js';

const isBusy = (answer: StartAnswer): answer is BusyAnswer => 'busy' in answer && answer.busy === true;

/** How long until the next try (backoff, never past the limit), and how the limit reads in a failure message. */
function nextTry(state: StepState, attempt: number, limitAtMs: number, now: number) {
  return {
    delayMs: Math.max(0, Math.min(busyDelayMs(attempt, state.resume.policy, Math.random), limitAtMs - now)),
    limit:
      state.resume.deadlineAtMs !== undefined
        ? `at the deadline ${new Date(limitAtMs).toISOString()}`
        : `after waiting ${Math.round((now - state.resume.startedAtMs) / 60_000)} min`,
  };
}

/**
 * Runs `start` (a create-or-reattach activity, whose reattach scan runs before every POST) until it creates or
 * finds the task, waiting out busy refusals with backoff. Past the limit the step fails naming the code.
 */
export async function startWhenNotBusy(
  state: StepState,
  what: string,
  datasetId: string,
  start: () => Promise<StartAnswer>,
): Promise<StartedTask> {
  for (let refusals = 1; ; refusals++) {
    // Never cut short by a cancel: the task may already exist at ModelArts (see uncancellable in step.ts).
    const answer = await CancellationScope.nonCancellable(start);
    if (!isBusy(answer)) {
      if (refusals > 1) state.doneWaiting();
      return answer;
    }
    const limitAtMs = state.serviceWaitLimitAtMs();
    const now = Date.now();
    const said = `${answer.reason} (${answer.errorCode})`;
    const { delayMs, limit } = nextTry(state, refusals, limitAtMs, now);
    if (now >= limitAtMs) {
      const details: StepEndDetails = { datasetId, errorCode: answer.errorCode, errorMsg: answer.errorMsg };
      throw ApplicationFailure.create({
        type: state.resume.deadlineAtMs !== undefined ? FAILURE.deadlineExceeded : FAILURE.clientError,
        message:
          `${what} on dataset ${datasetId} not created: ModelArts still refused it with ${answer.errorCode} ` +
          `${answer.errorMsg ?? ''} (${answer.reason}) ${limit}; no task was created`,
        nonRetryable: true,
        details: [details],
      });
    }
    if (refusals === 1)
      log.info(`ModelArts refused the ${what} for now; waiting to try again`, { code: answer.errorCode });
    state.progress.phase = 'busy';
    await state.sleepWaitingFor(delayMs, said, `try the ${what} again (${answer.errorCode})`);
  }
}

/**
 * Reads a NEW_DATASET export's dataset (by name, with `resolve`) until its status is 1 (normal); fails when it ends
 * deleting, deleted or abnormal, or is still not usable at the limit. A lookup without a status counts as usable.
 */
export async function waitForNewDataset(
  state: StepState,
  names: { name: string; exportTaskId: string },
  first: { datasetId: string; status?: number },
  resolve: () => Promise<{ datasetId: string; status?: number }>,
): Promise<{ datasetId: string }> {
  let dataset = first;
  for (let reads = 1; ; reads++) {
    if (dataset.status === undefined) return dataset;
    const s = describeDatasetStatus(dataset.status);
    const what = `new dataset ${names.name} (${dataset.datasetId})`;
    const details: StepEndDetails = { taskId: names.exportTaskId, datasetId: dataset.datasetId };
    if (s.terminal && s.outcome === 'succeeded') {
      state.doneWaiting();
      return dataset;
    }
    if (s.terminal) {
      throw ApplicationFailure.create({
        type: FAILURE.taskFailed,
        message: `export task ${names.exportTaskId} succeeded, but its ${what} is ${s.label} (status ${dataset.status}) and cannot be used`,
        nonRetryable: true,
        details: [{ ...details, errorMsg: `dataset status ${dataset.status} (${s.label})` }],
      });
    }
    const limitAtMs = state.serviceWaitLimitAtMs();
    const now = Date.now();
    const { delayMs, limit } = nextTry(state, reads, limitAtMs, now);
    if (now >= limitAtMs) {
      throw ApplicationFailure.create({
        type: FAILURE.deadlineExceeded,
        message:
          `export task ${names.exportTaskId} succeeded, but its ${what} was still ${s.label} ` +
          `(status ${dataset.status}) ${limit}`,
        nonRetryable: true,
        details: [details],
      });
    }
    state.progress.phase = 'waiting-for-dataset';
    await state.sleepWaitingFor(
      delayMs,
      `${what} to be ready (status ${dataset.status} ${s.label})`,
      'new dataset status read',
    );
    dataset = await resolve();
  }
}
