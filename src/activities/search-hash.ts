/**
 * Sealed runs' search attribute values, hashed where the keys are (workflow code cannot use node:crypto):
 * - the start activities' answers carry the task id's keyed hash (`taskIdSearchValue`), so a sealed step stores it
 *   with no extra event (src/workflows/step.ts);
 * - a local activity hashes what nothing else did (a wait-task step's task id, a dataset made by an earlier step,
 *   answers from workers without the tenant's key). Its result is recorded in the run's history (sealed, like
 *   every payload), so a replay reuses it instead of hashing again with whatever key is current by then.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ModelArtsActivity } from '../contract/activity-options.js';
import type { KeySource } from '../sealed/key-source.js';
import { searchHash, taskIdHash } from '../sealed/search-hash.js';
import { tenantOfWorkflowId } from '../sealed/tenant.js';
import type { StartAnswer } from './types.js';

export interface SearchHashInput {
  /** The search attribute's name (hashed with the value). */
  attribute: string;
  value: string;
}

export interface SearchHashActivities {
  searchHash(input: SearchHashInput): Promise<string>;
}

/** The activities answering a StartAnswer. */
const START_ACTIVITIES: readonly ModelArtsActivity[] = [
  'createOrReattachExport',
  'startOrReattachTask',
  'createOrReattachImport',
  'publishOrReattachVersion',
];

const runOfActivity = () => Context.current().info.workflowExecution?.workflowId ?? '';

export function searchHashActivities(keys: KeySource | undefined): SearchHashActivities {
  return {
    async searchHash({ attribute, value }: SearchHashInput) {
      const workflowId = runOfActivity();
      const tenant = tenantOfWorkflowId(workflowId);
      const key = await keys?.current(tenant);
      if (!key)
        throw ApplicationFailure.retryable(
          `run ${workflowId} is sealed, but this worker has no current key for tenant "${tenant}" to hash its ` +
            `${attribute} with; add it to MODELARTS_SEALED_KEYS`,
          'SealedSearchKeyMissing',
        );
      return searchHash(key, attribute, value);
    },
  };
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/**
 * `activities` with the start activities' answers carrying the task id's keyed hash, when this worker holds a
 * current key for the run's tenant (unchanged without keys). The answer of a run that is not sealed carries it too
 * (an activity cannot tell), and the step ignores it. Without the tenant's key the answer goes back as it is: the
 * task exists, and the step hashes it itself or says which key is missing.
 */
export function withTaskIdSearchValues<T extends Record<string, AnyActivity>>(activities: T, keys?: KeySource): T {
  if (!keys) return activities;
  const wrapped: Record<string, AnyActivity> = { ...activities };
  for (const name of START_ACTIVITIES) {
    const start = activities[name];
    if (!start) continue;
    wrapped[name] = async (...args: never[]) => {
      const answer = (await start(...args)) as StartAnswer;
      if ('busy' in answer) return answer;
      const key = await keys.current(tenantOfWorkflowId(runOfActivity()));
      return key ? { ...answer, taskIdSearchValue: taskIdHash(key, answer.taskId) } : answer;
    };
  }
  return wrapped as T;
}
