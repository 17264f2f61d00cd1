/**
 * Sealed runs' search attribute values, hashed where the keys are: a local activity of the workflows' worker
 * (workflow code cannot use node:crypto). Its result is recorded in the run's history (sealed, like every payload),
 * so a replay reuses it instead of hashing again with whatever key is current by then.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { KeySource } from '../sealed/key-source.js';
import { searchHash } from '../sealed/search-hash.js';
import { tenantOfWorkflowId } from '../sealed/tenant.js';

export interface SearchHashInput {
  /** The search attribute's name (hashed with the value). */
  attribute: string;
  value: string;
}

export interface SearchHashActivities {
  searchHash(input: SearchHashInput): Promise<string>;
}

export function searchHashActivities(keys: KeySource | undefined): SearchHashActivities {
  return {
    async searchHash({ attribute, value }: SearchHashInput) {
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? '';
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
