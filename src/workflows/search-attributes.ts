import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Keyword search attributes the workflows set; the server must have them registered. */
export const DatasetIdKey = defineSearchAttributeKey('ModelArtsDatasetId', SearchAttributeType.KEYWORD);
export const TaskIdKey = defineSearchAttributeKey('ModelArtsTaskId', SearchAttributeType.KEYWORD);
export const TaskStatusKey = defineSearchAttributeKey('ModelArtsTaskStatus', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [DatasetIdKey, TaskIdKey, TaskStatusKey] as const;
