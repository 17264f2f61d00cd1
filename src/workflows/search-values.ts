/**
 * Search attribute values of sealed runs. A run is sealed when its own `ModelArtsDatasetId`, set by the client at
 * start (or by the pipeline for its steps), is a keyed hash: the client that started it was sealed. Such a run stores
 * keyed hashes of the identifying values it sets later, made where the keys are: by the client (the spec's dataset
 * ids, SealedSearch), by the start activity (the task id), and else by a local activity (workflow code has no
 * node:crypto). Unsealed runs never hash, so their histories replay unchanged.
 */
import { patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { SearchHashActivities } from '../activities/search-hash.js';
import { DatasetIdKey, isSearchHash } from './search-attributes.js';

export const SEALED_SEARCH_PATCH = 'sealed-search-hash';

const local = proxyLocalActivities<SearchHashActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 5 },
});

/** Whether this run's search attributes hold keyed hashes. */
export function isSealedRun(): boolean {
  return isSearchHash(workflowInfo().typedSearchAttributes.get(DatasetIdKey));
}

/**
 * `value` as this run stores it in `attribute`: clear, or in a sealed run its keyed hash: `hashed` when the client
 * or an activity made it, else one made by a local activity. The patch keeps a sealed run begun before local
 * hashing existed (its history has no marker) replaying: such a run stored clear values.
 */
export async function searchValue(attribute: { name: string }, value: string, hashed?: string): Promise<string> {
  if (!isSealedRun()) return value;
  if (hashed !== undefined) return hashed;
  if (!patched(SEALED_SEARCH_PATCH)) return value;
  return local.searchHash({ attribute: attribute.name, value });
}
