/**
 * Create-or-reattach for export tasks. The request's `path` ends with this run's marker folder
 * (src/workflows/marker.ts), so a task this run already created is found in the dataset's task list, which the
 * service returns newest first, and reused instead of creating a second one.
 */
import { log } from '@temporalio/activity';
import type { ModelArtsClient } from '../modelarts/client.js';
import type { ExportTask } from '../modelarts/types.js';
import { toFailure } from './failures.js';
import type { CreateExportInput, StartedTask } from './types.js';

/** How far back in the list to look; a run's own task is among the newest unless hundreds were created since. */
export const REATTACH_SCAN_PAGES = 5;
const PAGE_SIZE = 100;

const normalisePath = (path: string | undefined) => (path ?? '').replace(/^(obs|s3):\/\//, '/').replace(/\/?$/, '/');

export async function findExportByPath(
  client: ModelArtsClient,
  datasetId: string,
  path: string,
): Promise<ExportTask | undefined> {
  const wanted = normalisePath(path);
  for (let page = 0; page < REATTACH_SCAN_PAGES; page++) {
    const { export_tasks: tasks, total_count: total } = await client.listExportTasks(datasetId, {
      limit: PAGE_SIZE,
      offset: page,
    });
    const match = tasks.find((task) => normalisePath(task.path) === wanted);
    if (match) return match;
    if ((page + 1) * PAGE_SIZE >= total || tasks.length === 0) return undefined;
  }
  return undefined;
}

export function createOrReattachExportActivity(client: ModelArtsClient) {
  return async function createOrReattachExport(input: CreateExportInput): Promise<StartedTask> {
    try {
      const existing = await findExportByPath(client, input.datasetId, input.request.path);
      if (existing) {
        log.info('reattaching to export task created by an earlier attempt', { taskId: existing.task_id });
        return { taskId: existing.task_id, reattached: true };
      }
      const { task_id } = await client.createExportTask(input.datasetId, input.request);
      return { taskId: task_id, reattached: false };
    } catch (err) {
      throw toFailure(err, `creating an export task on dataset ${input.datasetId}`);
    }
  };
}
