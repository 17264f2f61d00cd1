/**
 * The workflows' side of the activity options (src/contract/activity-options.ts holds the tables): the proxy, and
 * the options of one call.
 */
import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { budgetQueueName, priorityOf, type StepBudget } from '../budget/classes.js';
import {
  ACTIVITY_BUDGET,
  ACTIVITY_OPTIONS,
  ATTEMPT_OPTIONS,
  START_TO_CLOSE_MS,
  type ModelArtsActivity,
} from '../contract/activity-options.js';

/** The ModelArts activities, called as `modelArts.readStatus.executeWithOptions(optionsFor(...), [...])`. */
export const modelArts = proxyActivities<Activities>(ATTEMPT_OPTIONS);

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
  activity: ModelArtsActivity,
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
function budgetedOptions(activity: ModelArtsActivity, budget: StepBudget | undefined): ActivityOptions {
  const budgetClass = ACTIVITY_BUDGET[activity];
  if (!budget || budgetClass === 'none') return {};
  return { taskQueue: budgetQueueName(workflowInfo().taskQueue, budgetClass), priority: priorityOf(budget) };
}
