/** Resolves the dataset a NEW_DATASET export created: the export task reports only its name. */
import { ApplicationFailure } from '@temporalio/activity';
import type { ModelArtsClient } from '../modelarts/client.js';
import { FAILURE } from '../contract/failures.js';
import { toFailure } from './failures.js';

export interface ResolvedDataset {
  datasetId: string;
  /** The dataset's `status` (1 normal): the export step waits until it is usable (src/workflows/service-waits.ts). */
  status?: number;
}

export function resolveDatasetByNameActivity(client: ModelArtsClient) {
  return async function resolveDatasetByName(input: { name: string }): Promise<ResolvedDataset> {
    let found;
    try {
      found = await client.findDatasetByName(input.name);
    } catch (err) {
      throw toFailure(err, `looking up dataset ${input.name}`);
    }
    // The service may list a new dataset a moment after the export reports success: retry, don't fail.
    if (!found)
      throw ApplicationFailure.retryable(`dataset named ${input.name} not found yet`, FAILURE.datasetNotFoundYet);
    return { datasetId: found.dataset_id, ...(found.status !== undefined ? { status: found.status } : {}) };
  };
}
