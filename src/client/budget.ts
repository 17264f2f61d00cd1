/**
 * Reads and changes the fleet's ModelArts request budget at runtime, on the Temporal server, with no store of our
 * own and no worker restart (the Task Queue Config API; Temporal server 1.29+ with fairness, GA in 1.31):
 * - a class's budget is its activity queue's rate limit (requests per second for the whole fleet);
 * - a tenant's budget is the per-fairness-key limit: a default for every tenant, times the tenant's weight
 *   (`setBudget({ tenant, rps })` sets the weight to rps / default);
 * - the kill switch (`pauseBudget`) sets every class's queue limit to 0, which stops dispatching ModelArts
 *   activities at once; the limit in force before is kept in the limit's reason, which `resumeBudget` restores.
 * Runs are not failed by a pause: their activity tasks wait in the queue (a create's retry budget, one hour or
 * the step's deadline, keeps counting).
 */
import type { Connection } from '@temporalio/client';
import { BUDGET_CLASSES, budgetQueueName, TENANT_PATTERN, type BudgetedClass } from '../budget/classes.js';

// Enum values of temporal.api.enums.v1 (TaskQueueType, RateLimitSource), as the raw gRPC service takes them.
const ACTIVITY_QUEUE = 2;
const RATE_LIMIT_SOURCE_API = 1;
const RATE_LIMIT_SOURCE_WORKER = 2;
const PAUSED = 'paused by modelarts-export budget pause; was ';
const IDENTITY = 'modelarts-export budget';

export interface BudgetTarget {
  connection: Pick<Connection, 'workflowService'>;
  namespace: string;
  /** The workflows' task queue (TEMPORAL_TASK_QUEUE); the budgeted queues are named after it. */
  taskQueue: string;
}

export interface ClassBudget {
  budgetClass: BudgetedClass;
  taskQueue: string;
  /** Requests per second for the whole fleet; undefined: no limit set through the API. */
  rps?: number;
  /** Where the limit in force comes from: the API, the workers' configuration, or nothing (the system default). */
  source: 'api' | 'worker' | 'system';
  /** The limit actually applied by the server (the API's, else the workers'). */
  effectiveRps?: number;
  paused: boolean;
  /** While paused: the limit `resumeBudget` restores (undefined: none, the workers' default). */
  resumeRps?: number;
  /** Per-tenant default (requests per second) and weight overrides: a tenant's limit is default × weight. */
  tenantDefaultRps?: number;
  tenantWeights: Record<string, number>;
  /** Waiting activity tasks, when the server reports them. */
  backlog?: number;
}

export class BudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetError';
  }
}

function classesOf(budgetClass: BudgetedClass | 'all' | undefined): readonly BudgetedClass[] {
  return budgetClass === undefined || budgetClass === 'all' ? BUDGET_CLASSES : [budgetClass];
}

function checkRps(rps: number): void {
  if (!Number.isFinite(rps) || rps < 0)
    throw new BudgetError(`rps must be a number of requests per second >= 0; got ${rps}`);
}

function checkTenant(tenant: string): void {
  if (!TENANT_PATTERN.test(tenant))
    throw new BudgetError(`tenant must be 1-64 letters, digits or . _ : / - ; got ${JSON.stringify(tenant)}`);
}

async function describe(target: BudgetTarget, budgetClass: BudgetedClass): Promise<ClassBudget> {
  const taskQueue = budgetQueueName(target.taskQueue, budgetClass);
  const d = await target.connection.workflowService.describeTaskQueue({
    namespace: target.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: ACTIVITY_QUEUE,
    reportConfig: true,
    reportStats: true,
  });
  const queue = d.config?.queueRateLimit;
  const reason = queue?.metadata?.reason ?? '';
  // A limit of 0 comes back as an empty rateLimit (proto3 default): present but without a number.
  const rps = queue?.rateLimit ? (queue.rateLimit.requestsPerSecond ?? 0) : undefined;
  const from = d.effectiveRateLimit?.rateLimitSource;
  const source = from === RATE_LIMIT_SOURCE_API ? 'api' : from === RATE_LIMIT_SOURCE_WORKER ? 'worker' : 'system';
  const tenantDefault = d.config?.fairnessKeysRateLimitDefault?.rateLimit;
  const paused = rps === 0 && reason.startsWith(PAUSED);
  const was = paused ? Number(reason.slice(PAUSED.length)) : NaN;
  return {
    budgetClass,
    taskQueue,
    rps,
    source,
    effectiveRps: d.effectiveRateLimit?.requestsPerSecond ?? undefined,
    paused,
    ...(Number.isFinite(was) ? { resumeRps: was } : {}),
    tenantDefaultRps: tenantDefault ? (tenantDefault.requestsPerSecond ?? 0) : undefined,
    tenantWeights: { ...(d.config?.fairnessWeightOverrides ?? {}) },
    backlog: d.stats?.approximateBacklogCount !== undefined ? Number(d.stats.approximateBacklogCount) : undefined,
  };
}

/** The budget in force for each class (or one). */
export async function describeBudget(
  target: BudgetTarget,
  budgetClass?: BudgetedClass | 'all',
): Promise<ClassBudget[]> {
  return Promise.all(classesOf(budgetClass).map((c) => describe(target, c)));
}

type UpdateRequest = Omit<
  Parameters<Connection['workflowService']['updateTaskQueueConfig']>[0],
  'namespace' | 'taskQueue' | 'taskQueueType' | 'identity'
>;

async function update(target: BudgetTarget, budgetClass: BudgetedClass, request: UpdateRequest): Promise<void> {
  await target.connection.workflowService.updateTaskQueueConfig({
    namespace: target.namespace,
    taskQueue: budgetQueueName(target.taskQueue, budgetClass),
    taskQueueType: ACTIVITY_QUEUE,
    identity: IDENTITY,
    ...request,
  });
}

export interface BudgetChange {
  budgetClass?: BudgetedClass | 'all';
  /** Change this tenant's limit (via its weight) instead of the class's. */
  tenant?: string;
  /** Change the default every tenant gets (before its weight). */
  tenantDefault?: boolean;
  /** Requests per second; undefined removes the limit (the workers' default applies again). */
  rps?: number;
  reason?: string;
}

const limit = (rps: number | undefined, reason: string) =>
  rps === undefined ? {} : { rateLimit: { requestsPerSecond: rps }, reason };

/**
 * Changes the budget for the whole fleet. A class's budget while paused is recorded for `resumeBudget` and does
 * not lift the pause. A tenant's budget needs a per-tenant default: it is applied as the weight rps / default.
 */
export async function setBudget(target: BudgetTarget, change: BudgetChange): Promise<ClassBudget[]> {
  if (change.rps !== undefined) checkRps(change.rps);
  if (change.tenant !== undefined) checkTenant(change.tenant);
  if (change.tenant !== undefined && change.tenantDefault)
    throw new BudgetError('give either a tenant or the tenant default, not both');
  const reason = change.reason ?? `set by ${IDENTITY}`;
  for (const budgetClass of classesOf(change.budgetClass)) {
    if (change.tenantDefault) {
      await update(target, budgetClass, { updateFairnessKeyRateLimitDefault: limit(change.rps, reason) });
    } else if (change.tenant !== undefined) {
      const current = await describe(target, budgetClass);
      if (change.rps === undefined) {
        await update(target, budgetClass, { unsetFairnessWeightOverrides: [change.tenant] });
        continue;
      }
      if (!current.tenantDefaultRps)
        throw new BudgetError(
          `the ${budgetClass} budget has no per-tenant default: set one first (budget set --tenant-default --rps R)`,
        );
      if (change.rps === 0)
        throw new BudgetError('a tenant cannot be set to 0 rps (Temporal weights are > 0); use a small rps instead');
      // Temporal clamps weights to [0.001, 1000].
      const weight = Math.min(1000, Math.max(0.001, change.rps / current.tenantDefaultRps));
      await update(target, budgetClass, { setFairnessWeightOverrides: { [change.tenant]: weight } });
    } else {
      const current = await describe(target, budgetClass);
      const wanted = change.rps === undefined ? 'none' : String(change.rps);
      await update(
        target,
        budgetClass,
        current.paused
          ? { updateQueueRateLimit: limit(0, `${PAUSED}${wanted}`) }
          : { updateQueueRateLimit: limit(change.rps, reason) },
      );
    }
  }
  return describeBudget(target, change.budgetClass);
}

/** The kill switch: no ModelArts activity is dispatched from now on, for any class (or one), until resumed. */
export async function pauseBudget(target: BudgetTarget, budgetClass?: BudgetedClass | 'all'): Promise<ClassBudget[]> {
  for (const c of classesOf(budgetClass)) {
    const current = await describe(target, c);
    if (current.paused) continue;
    const was = current.source === 'api' && current.rps !== undefined ? String(current.rps) : 'none';
    await update(target, c, { updateQueueRateLimit: limit(0, `${PAUSED}${was}`) });
  }
  return describeBudget(target, budgetClass);
}

/** Lifts the kill switch: the limit in force before the pause applies again (or none, the workers' default). */
export async function resumeBudget(target: BudgetTarget, budgetClass?: BudgetedClass | 'all'): Promise<ClassBudget[]> {
  for (const c of classesOf(budgetClass)) {
    const current = await describe(target, c);
    if (!current.paused) continue;
    await update(target, c, { updateQueueRateLimit: limit(current.resumeRps, `resumed by ${IDENTITY}`) });
  }
  return describeBudget(target, budgetClass);
}
