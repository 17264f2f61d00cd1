/** The activities the worker registers: thin wrappers over one shared ModelArts client. */
import type { ModelArtsClient } from '../modelarts/client.js';
import { resolveDatasetByNameActivity } from './datasets.js';
import { createOrReattachExportActivity } from './export-tasks.js';
import { startOrReattachTaskActivity, stopTaskActivity } from './intelligent-tasks.js';
import { readStatusActivity } from './status.js';

export function createActivities(client: ModelArtsClient) {
  return {
    createOrReattachExport: createOrReattachExportActivity(client),
    startOrReattachTask: startOrReattachTaskActivity(client),
    readStatus: readStatusActivity(client),
    stopTask: stopTaskActivity(client),
    resolveDatasetByName: resolveDatasetByNameActivity(client),
  };
}

export type Activities = ReturnType<typeof createActivities>;
