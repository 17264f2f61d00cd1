/**
 * Create-or-reattach for export tasks. The request's `path` ends with this run's marker folder
 * (src/workflows/marker.ts), so a task this run already created is found in the dataset's task list, which the
 * service returns newest first, and reused instead of creating a second one.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { ModelArtsClient } from '../modelarts/client.js';
import type { ExportTask } from '../modelarts/types.js';
import { busyRefusal } from '../modelarts/refusals.js';
import { FAILURE, type StepEndDetails } from '../contract/failures.js';
import { toFailure } from './failures.js';
import { findInPages, normaliseObsPath, TASK_SCAN } from './page-scan.js';
import type { CreateExportInput, StartAnswer } from './types.js';

export async function findExportByPath(
  client: ModelArtsClient,
  datasetId: string,
  path: string,
): Promise<ExportTask | undefined> {
  const wanted = normaliseObsPath(path);
  return findInPages(
    TASK_SCAN,
    async (page) => {
      const { export_tasks, total_count } = await client.listExportTasks(datasetId, page);
      return { items: export_tasks, total: total_count };
    },
    (task) => normaliseObsPath(task.path) === wanted,
  );
}

/**
 * A NEW_DATASET export whose dataset name is already taken fails before anything is created: the service would
 * refuse it (ModelArts.4351), or worse, export into a name we then resolve to someone else's dataset. Checked only
 * when no task of this run exists, so a retry after a crash still reattaches to the export that made the name.
 */
async function checkNewDatasetName(client: ModelArtsClient, input: CreateExportInput): Promise<void> {
  const params = input.request.export_params;
  const name = params?.export_dest === 'NEW_DATASET' ? params.export_new_dataset_name : undefined;
  if (!name) return;
  const taken = await client.findDatasetByName(name);
  if (!taken) return;
  const details: StepEndDetails = {
    datasetId: input.datasetId,
    errorCode: 'ModelArts.4351',
    errorMsg: `Dataset already exists: ${name}`,
  };
  throw ApplicationFailure.create({
    type: FAILURE.clientError,
    message:
      `export to a new dataset named ${name} not created: ModelArts.4351 Dataset already exists ` +
      `(dataset ${taken.dataset_id} has that name); choose another export_new_dataset_name`,
    nonRetryable: true,
    details: [details],
  });
}

export function createOrReattachExportActivity(client: ModelArtsClient) {
  return async function createOrReattachExport(input: CreateExportInput): Promise<StartAnswer> {
    try {
      const existing = await findExportByPath(client, input.datasetId, input.request.path);
      if (existing) {
        log.info('reattaching to export task created by an earlier attempt', { taskId: existing.task_id });
        return { taskId: existing.task_id, reattached: true };
      }
      await checkNewDatasetName(client, input);
      try {
        const { task_id } = await client.createExportTask(input.datasetId, input.request);
        return { taskId: task_id, reattached: false };
      } catch (err) {
        // No export of ours makes the dataset busy: every such refusal is waited out.
        const busy = busyRefusal(err, { retry: Context.current().info.attempt > 1 });
        if (busy) return busy;
        throw err;
      }
    } catch (err) {
      throw toFailure(err, `creating an export task on dataset ${input.datasetId}`);
    }
  };
}
