import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Keyword search attributes the workflows set; the server must have them registered. */
export const DatasetIdKey = defineSearchAttributeKey('ModelArtsDatasetId', SearchAttributeType.KEYWORD);
export const TaskIdKey = defineSearchAttributeKey('ModelArtsTaskId', SearchAttributeType.KEYWORD);
export const TaskStatusKey = defineSearchAttributeKey('ModelArtsTaskStatus', SearchAttributeType.KEYWORD);
/** The tenant (budget fairness key) a wait reads for: the overdue gauge is counted per tenant. */
export const TenantKey = defineSearchAttributeKey('ModelArtsTenant', SearchAttributeType.KEYWORD);

/**
 * The wait's read plan (src/workflows/read-plan.ts), so that a detector outside the workers can tell a stuck wait:
 * when the next read is due, when it counts as overdue, and since when reads fail (absent while they succeed).
 */
export const NextReadAtKey = defineSearchAttributeKey('ModelArtsNextReadAt', SearchAttributeType.DATETIME);
export const OverdueAtKey = defineSearchAttributeKey('ModelArtsOverdueAt', SearchAttributeType.DATETIME);
export const ReadsFailingSinceKey = defineSearchAttributeKey(
  'ModelArtsReadsFailingSince',
  SearchAttributeType.DATETIME,
);

/**
 * In a sealed run, `ModelArtsDatasetId` and `ModelArtsTaskId` hold keyed hashes (src/sealed/search-hash.ts), written
 * `h2:KEY_ID:…` (`h1:KEY_ID:…` by earlier builds); a run whose own dataset attribute is one hashes the values it sets
 * (src/workflows/search-values.ts).
 */
export function isSearchHash(value: unknown): value is string {
  return typeof value === 'string' && /^h[12]:/.test(value);
}

export const SEARCH_ATTRIBUTE_KEYS = [
  DatasetIdKey,
  TaskIdKey,
  TaskStatusKey,
  TenantKey,
  NextReadAtKey,
  OverdueAtKey,
  ReadsFailingSinceKey,
] as const;

/** The type name the Temporal CLI and `temporal operator search-attribute create` take. */
export const SEARCH_ATTRIBUTE_TYPE_NAMES = { KEYWORD: 'Keyword', DATETIME: 'Datetime' } as const;
