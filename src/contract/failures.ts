/**
 * How a step and a run end: the one contract between the workflows, which raise these failures, and the clients
 * (`awaitRun`, `status`, the CLI), which read them back by type and details, never by message.
 *
 * Sandbox-safe (only @temporalio/common), so workflows, activities and clients share it.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { StepResult, StepSpec } from '../workflows/types.js';

/** Every ApplicationFailure type our code raises. */
export const FAILURE = {
  /** The spec cannot run (no dataset id, a bad placeholder, a step kind on the wrong workflow). */
  invalidSpec: 'InvalidSpec',
  /** A poll-policy update or signal with bad values (rejected by the update's validator). */
  invalidPolicy: 'InvalidPolicy',
  /** The task did not reach a terminal status before `wait.deadline`. */
  deadlineExceeded: 'DeadlineExceeded',
  /** The task ended FAILED at ModelArts; details carry its `error_code` and `error_msg`. */
  taskFailed: 'ModelArtsTaskFailed',
  /** ModelArts refused a call in a way a retry cannot fix (4xx other than 429/401). Raised by activities. */
  clientError: 'ModelArtsClientError',
  /** A request our client refused to send (bad field values). Raised by activities. */
  validationError: 'ModelArtsValidationError',
  /** A call that may succeed when repeated (429, 5xx, network). Raised by activities, retried by Temporal. */
  transientError: 'ModelArtsTransientError',
  /** A NEW_DATASET export's dataset is not listed yet. Raised by activities, retried by Temporal. */
  datasetNotFoundYet: 'DatasetNotFoundYet',
  /** The task kept answering a status no document lists for longer than `wait.unknownStatusLimitMs`. */
  unknownStatus: 'ModelArtsUnknownStatus',
  /**
   * ModelArts kept answering in a shape the API does not document (a field missing or mistyped, an empty or oversized
   * body): `wait.malformedReadLimit` status reads in a row, or an activity's attempts (src/activities/failures.ts).
   */
  malformedAnswer: 'ModelArtsMalformedAnswer',
  /** Status reads kept failing (HTML, 5xx, network, 429) for longer than `wait.failedReadLimitMs`. */
  readsFailing: 'ModelArtsReadsFailing',
  /** Runs of 0.1.0 wrapped every step failure in this type. Read back, never raised any more. */
  legacyStepFailed: 'StepFailed',
} as const;
export type FailureType = (typeof FAILURE)[keyof typeof FAILURE];

/** Activity failures that retrying cannot fix: the only types activities raise as non-retryable. */
export const NON_RETRYABLE_ACTIVITY_FAILURES: readonly FailureType[] = [FAILURE.clientError, FAILURE.validationError];

/** The ways a run fails; `failed` is any other error (a bug, an unexpected failure type). */
export type FailureKind = 'failed-at-modelarts' | 'invalid-spec' | 'deadline-exceeded' | 'client-error' | 'failed';
/** How a run ended, as the library's `RunOutcome.kind` and the CLI report it. */
export type OutcomeKind = 'succeeded' | 'cancelled' | 'terminated' | FailureKind;

const KIND_OF_TYPE: Record<string, FailureKind> = {
  [FAILURE.invalidSpec]: 'invalid-spec',
  [FAILURE.invalidPolicy]: 'invalid-spec',
  [FAILURE.validationError]: 'invalid-spec',
  [FAILURE.deadlineExceeded]: 'deadline-exceeded',
  [FAILURE.taskFailed]: 'failed-at-modelarts',
  [FAILURE.clientError]: 'client-error',
};

export function outcomeKindOf(type: string | undefined): FailureKind {
  return (type !== undefined && KIND_OF_TYPE[type]) || 'failed';
}

/** The details of a failed or cancelled run: details[0] of its failure (and its memo, when cancelled). */
export interface RunEndDetails {
  kind: OutcomeKind;
  workflowId: string;
  /** The steps that succeeded before the run ended. */
  steps: StepResult[];
  /** 1-based number of the step that ended the run. */
  failedStep: number;
  taskId?: string;
  datasetId?: string;
  /**
   * A task the run started and could not stop: an export or import task, or a version being published (ModelArts
   * has no cancel for any of them).
   */
  leftRunning?: string;
  errorCode?: string;
  errorMsg?: string;
}

/** What a step's failure says about its task (details[0] of ModelArtsTaskFailed, DeadlineExceeded, activity errors). */
export interface StepEndDetails {
  taskId?: string;
  datasetId?: string;
  leftRunning?: string;
  errorCode?: string;
  errorMsg?: string;
}

/**
 * What ending the wait leaves at ModelArts, in the one sentence the step, the pipeline, the memo and the CLI
 * use: an export, an import or a version release keeps running (there is no cancel API), an intelligent task this run started is stopped, and a
 * task someone else started (a wait-task step) is theirs and keeps running.
 */
export function leftBehind(
  stepKind: StepSpec['kind'],
  taskId: string | undefined,
): { what: string; leftRunning?: string } {
  if (!taskId) return { what: 'no task had been started' };
  switch (stepKind) {
    case 'export':
      return { what: `export task ${taskId} left running (ModelArts cannot cancel exports)`, leftRunning: taskId };
    case 'intelligent-task':
      return { what: `intelligent task ${taskId} stopped` };
    case 'wait-task':
      return { what: `stopped waiting for task ${taskId}, which keeps running` };
    case 'import':
      return { what: `import task ${taskId} left running (ModelArts cannot cancel imports)`, leftRunning: taskId };
    case 'publish-version':
      return {
        what: `version ${taskId} left publishing (ModelArts cannot cancel a version release)`,
        leftRunning: taskId,
      };
  }
}

/** The innermost ApplicationFailure of a chain (child workflow → activity → application), if any. */
export function rootApplicationFailure(err: unknown): ApplicationFailure | undefined {
  let found: ApplicationFailure | undefined;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure) found = e;
  }
  return found;
}

/** The deepest message of a failure chain: what actually went wrong. */
export function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(err);
}
