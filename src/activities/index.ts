/** The activities the worker registers: thin wrappers over one shared ModelArts client. */
import type { ModelArtsActivity } from '../contract/activity-options.js';
import type { ModelArtsClient } from '../modelarts/client.js';
import { resolveDatasetByNameActivity } from './datasets.js';
import { createOrReattachExportActivity } from './export-tasks.js';
import { heartbeating } from './heartbeat.js';
import { createOrReattachImportActivity } from './import-tasks.js';
import { startOrReattachTaskActivity, stopTaskActivity } from './intelligent-tasks.js';
import { readStatusActivity } from './status.js';
import { publishOrReattachVersionActivity } from './versions.js';

export function createActivities(client: ModelArtsClient) {
  return {
    createOrReattachExport: heartbeating(createOrReattachExportActivity(client)),
    startOrReattachTask: heartbeating(startOrReattachTaskActivity(client)),
    readStatus: heartbeating(readStatusActivity(client)),
    stopTask: heartbeating(stopTaskActivity(client)),
    resolveDatasetByName: heartbeating(resolveDatasetByNameActivity(client)),
    createOrReattachImport: heartbeating(createOrReattachImportActivity(client)),
    publishOrReattachVersion: heartbeating(publishOrReattachVersionActivity(client)),
  } satisfies Record<ModelArtsActivity, unknown>;
}

export type Activities = ReturnType<typeof createActivities>;
