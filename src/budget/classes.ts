/**
 * The ModelArts request budget, as the workflows see it (deterministic: no Node built-ins). Every activity that
 * calls ModelArts belongs to a budget class, and each class is dispatched through an activity task queue of its
 * own, `<workflow task queue>-modelarts-<class>`, whose dispatch rate the Temporal server limits for all workers at
 * once (queue RPS, per-fairness-key RPS, set with `modelarts-export budget`; src/client/budget.ts). One activity
 * task is one ModelArts request per API: a status read is one GET; a create (or start) is one list GET, to
 * reattach, and one POST, two different APIs, so the `writes` budget is a budget per API (see docs/request-budget.md ("Request
 * budget").
 */
import type { Priority } from '@temporalio/common';

/** `reads`: status GETs. `writes`: creates, starts, stops and lookups. `none`: no ModelArts request. */
export type BudgetClass = 'reads' | 'writes' | 'none';
export const BUDGET_CLASSES = ['reads', 'writes'] as const;
export type BudgetedClass = (typeof BUDGET_CLASSES)[number];

/** The activity task queue a budget class is dispatched through, beside the workflows' queue `base`. */
export function budgetQueueName(base: string, budget: BudgetedClass): string {
  return `${base}-modelarts-${budget}`;
}

/** Where a run comes from: an interactive start runs ahead of a scheduled backlog (priority). */
export type RunOrigin = 'interactive' | 'schedule';
export const RUN_ORIGINS: readonly RunOrigin[] = ['interactive', 'schedule'];

/** Temporal priority keys: 1 runs first, 5 last; 3 is the server's default. */
export const PRIORITY_BY_ORIGIN: Record<RunOrigin, number> = { interactive: 2, schedule: 4 };
const DEFAULT_PRIORITY_KEY = 3;

/** The fairness key of runs that name no tenant. */
export const DEFAULT_TENANT = 'default';
/** Fairness keys are at most 64 bytes (server limit); tenants are validated to fit (src/spec/pipeline.ts). */
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;

/** What a step carries to put its ModelArts activities on the budgeted queues (absent in steps before 0.2). */
export interface StepBudget {
  /** The fairness key: the spec's `tenant`, else DEFAULT_TENANT. */
  tenant: string;
  origin?: RunOrigin;
}

export function stepBudget(spec: { tenant?: string; origin?: RunOrigin }): StepBudget {
  return { tenant: spec.tenant ?? DEFAULT_TENANT, ...(spec.origin ? { origin: spec.origin } : {}) };
}

/** The priority a run's children and activities get (set explicitly: a Schedule's start cannot carry one in TS 1.24). */
export function priorityOf(budget: StepBudget): Priority {
  return {
    priorityKey: budget.origin ? PRIORITY_BY_ORIGIN[budget.origin] : DEFAULT_PRIORITY_KEY,
    fairnessKey: budget.tenant,
  };
}
