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
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { budgetQueueName, priorityOf, type BudgetClass, type StepBudget } from '../budget/classes.js';
import { NON_RETRYABLE_ACTIVITY_FAILURES } from './failures.js';

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
const attempt: ActivityOptions = {
  startToCloseTimeout: START_TO_CLOSE_MS,
  heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
  retry,
};

/** The options of each activity; the start calls also get their deadline-bound budget from `startOptions`. */
export const ACTIVITY_OPTIONS: Record<keyof Activities, ActivityOptions> = {
  createOrReattachExport: { ...attempt, scheduleToCloseTimeout: START_RETRY_BUDGET_MS },
  startOrReattachTask: { ...attempt, scheduleToCloseTimeout: START_RETRY_BUDGET_MS },
  readStatus: { ...attempt, retry: { ...retry, maximumAttempts: 10 } },
  resolveDatasetByName: { ...attempt, scheduleToCloseTimeout: LOOKUP_RETRY_BUDGET_MS },
  stopTask: { ...attempt, scheduleToCloseTimeout: LOOKUP_RETRY_BUDGET_MS },
  createOrReattachImport: { ...attempt, scheduleToCloseTimeout: START_RETRY_BUDGET_MS },
  publishOrReattachVersion: { ...attempt, scheduleToCloseTimeout: START_RETRY_BUDGET_MS },
};

/**
 * The request budget each activity is counted against (src/budget/classes.ts): its class picks the activity task
 * queue whose dispatch rate the server limits. An activity added later must say which ModelArts requests it makes.
 */
export const ACTIVITY_BUDGET: Record<keyof Activities, BudgetClass> = {
  createOrReattachExport: 'writes',
  startOrReattachTask: 'writes',
  readStatus: 'reads',
  resolveDatasetByName: 'writes',
  stopTask: 'writes',
  // A list (to reattach) and a POST, like the export create.
  createOrReattachImport: 'writes',
  publishOrReattachVersion: 'writes',
};

/** The ModelArts activities, called as `modelArts.readStatus.executeWithOptions(optionsFor(...), [...])`. */
export const modelArts = proxyActivities<Activities>(attempt);

/** How one call of an activity is made: the summary the Temporal UI shows, and what bounds and routes it. */
export interface CallOptions {
  /** Which ModelArts API ran, as the Temporal UI shows it. */
  summary: string;
  /** For a create or start: the step's deadline shortens the retry budget to the time left (never below one attempt). */
  deadlineAtMs?: number;
  /** The request budget the call is counted against; absent in steps started before the budget existed. */
  budget?: StepBudget;
}

/** The options of `activity` for one call (see CallOptions). */
export function optionsFor(
  activity: keyof Activities,
  { summary, deadlineAtMs, budget }: CallOptions,
): ActivityOptions {
  const options = { ...ACTIVITY_OPTIONS[activity], summary, ...budgetedOptions(activity, budget) };
  if (deadlineAtMs !== undefined && options.scheduleToCloseTimeout !== undefined) {
    const left = Math.max(deadlineAtMs - Date.now(), START_TO_CLOSE_MS);
    options.scheduleToCloseTimeout = Math.min(Number(options.scheduleToCloseTimeout), left);
  }
  return options;
}

/**
 * A budgeted activity goes to its class's queue with the run's tenant as fairness key and its origin's priority.
 * Steps started before the budget existed carry no `budget` and keep the workflow's own queue (their histories
 * replay unchanged).
 */
function budgetedOptions(activity: keyof Activities, budget: StepBudget | undefined): ActivityOptions {
  const budgetClass = ACTIVITY_BUDGET[activity];
  if (!budget || budgetClass === 'none') return {};
  return { taskQueue: budgetQueueName(workflowInfo().taskQueue, budgetClass), priority: priorityOf(budget) };
}
