/**
 * Search attribute values of sealed runs. A run is sealed when its own `ModelArtsDatasetId`, set by the client at
 * start (or by the pipeline for its steps), is a keyed hash: the client that started it was sealed. Such a run
 * hashes the identifying values it sets later (a step's dataset, a task id) through a local activity, since workflow
 * code has no node:crypto. Unsealed runs never take this path, so their histories replay unchanged; the patch keeps
 * a sealed run started before this code (whose history has no hashing marker) replaying on it.
 */
import { patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { SearchHashActivities } from '../activities/search-hash.js';
import { DatasetIdKey, SEARCH_HASH_PREFIX } from './search-attributes.js';

export const SEALED_SEARCH_PATCH = 'sealed-search-hash';

const local = proxyLocalActivities<SearchHashActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 5 },
});

/** Whether this run's search attributes hold keyed hashes. */
export function isSealedRun(): boolean {
  const own = workflowInfo().typedSearchAttributes.get(DatasetIdKey);
  return typeof own === 'string' && own.startsWith(SEARCH_HASH_PREFIX) && patched(SEALED_SEARCH_PATCH);
}

/** `value` as this run stores it in `attribute`: clear, or in a sealed run its keyed hash. */
export async function searchValue(attribute: { name: string }, value: string): Promise<string> {
  if (!isSealedRun()) return value;
  return local.searchHash({ attribute: attribute.name, value });
}
