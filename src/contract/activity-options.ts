/**
 * Every activity's timeouts and retries in one table, chosen so that they nest and end:
 * - **A lost attempt is noticed in seconds.** Activities heartbeat every second (src/activities/heartbeat.ts), so a
 *   worker killed mid-call, or an activity task the server recorded but never delivered, is retried after the
 *   10 s heartbeat timeout instead of after the whole start-to-close.
 * - **HTTP fits inside the attempt.** An attempt makes at most 4 HTTP calls (an IAM token fetch, and a call
 *   repeated once after a 401; the create-or-reattach activities list, then POST), each bounded by the client's
 *   timeout, at most 30 s (MAX_TIMEOUT_MS in src/modelarts/client.ts); start-to-close is 4 × 30 s.
 * - **Retries end.** Creates and starts retry transient errors (429, 5xx, network) until the step's deadline, or
 *   for an hour without one; then the step fails with the last error. The create retry reattaches: it lists the
 *   dataset's tasks for this run's marker before it POSTs again, so a retry after a crash between the POST and its
 *   answer finds the task instead of creating a second (the marker, not the timeout, is what prevents duplicates;
 *   the shorter heartbeat timeout only brings the reattach sooner). Lookups and stops retry for 10 minutes. Status
 *   reads never fail on ModelArts errors (they report them to the polling policy), so their attempts are spent only
 *   on lost workers and bugs: 10 at most.
 */
import type { ActivityOptions } from '@temporalio/common';
import type { BudgetClass } from '../budget/classes.js';
import { NON_RETRYABLE_ACTIVITY_FAILURES } from './failures.js';

/**
 * The ModelArts activities by name: the worker registers them (src/activities/index.ts checks its table against
 * this list), the workflows call them (src/workflows/activities-proxy.ts). A plain module, so the worker reads the
 * tables below without importing workflow code.
 */
export type ModelArtsActivity =
  | 'createOrReattachExport'
  | 'startOrReattachTask'
  | 'readStatus'
  | 'resolveDatasetByName'
  | 'stopTask'
  | 'createOrReattachImport'
  | 'publishOrReattachVersion';

export const HEARTBEAT_TIMEOUT_MS = 10_000;
export const START_TO_CLOSE_MS = 4 * 30_000;
/** How long creates and starts may keep retrying when the step has no deadline. */
export const START_RETRY_BUDGET_MS = 60 * 60_000;
const LOOKUP_RETRY_BUDGET_MS = 10 * 60_000;

const retry = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  // A 5xx storm is retried at least every 20 s, so a create does not sit a minute after the service recovered;
  // throttling answers carry Retry-After, which sets the next delay itself.
  maximumInterval: '20s',
  nonRetryableErrorTypes: [...NON_RETRYABLE_ACTIVITY_FAILURES],
};
export const ATTEMPT_OPTIONS: ActivityOptions = {
  startToCloseTimeout: START_TO_CLOSE_MS,
  heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
  retry,
};

/** The options of each activity; the start calls also get their deadline-bound budget from `startOptions`. */
export const ACTIVITY_OPTIONS: Record<ModelArtsActivity, ActivityOptions> = {
  createOrReattachExport: { ...ATTEMPT_OPTIONS, scheduleToCloseTimeout: START_RETRY_BUDGET_MS },
  startOrReattachTask: { ...ATTEMPT_OPTIONS, scheduleToCloseTimeout: START_RETRY_BUDGET_MS },
  readStatus: { ...ATTEMPT_OPTIONS, retry: { ...retry, maximumAttempts: 10 } },
  resolveDatasetByName: { ...ATTEMPT_OPTIONS, scheduleToCloseTimeout: LOOKUP_RETRY_BUDGET_MS },
  stopTask: { ...ATTEMPT_OPTIONS, scheduleToCloseTimeout: LOOKUP_RETRY_BUDGET_MS },
  createOrReattachImport: { ...ATTEMPT_OPTIONS, scheduleToCloseTimeout: START_RETRY_BUDGET_MS },
  publishOrReattachVersion: { ...ATTEMPT_OPTIONS, scheduleToCloseTimeout: START_RETRY_BUDGET_MS },
};

/**
 * The request budget each activity is counted against (src/budget/classes.ts): its class picks the activity task
 * queue whose dispatch rate the server limits. An activity added later must say which ModelArts requests it makes.
 */
export const ACTIVITY_BUDGET: Record<ModelArtsActivity, BudgetClass> = {
  createOrReattachExport: 'writes',
  startOrReattachTask: 'writes',
  readStatus: 'reads',
  resolveDatasetByName: 'writes',
  stopTask: 'writes',
  // A list (to reattach) and a POST, like the export create.
  createOrReattachImport: 'writes',
  publishOrReattachVersion: 'writes',
};
