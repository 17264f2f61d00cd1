/**
 * Create-or-reattach for import tasks. An import request has no free-text field to carry a marker (and its
 * `import_path` is the user's data, not ours to rename), so a retry finds the task an earlier attempt created by
 * what it can see: the same `import_path` on the same dataset, created since the step began (`create_time` is
 * epoch ms here, so no zone guessing). The service runs one import per dataset at a time (ModelArts.4356), so
 * such a task is this step's. Only a retry looks: a first attempt cannot have created anything, and must not
 * adopt an import someone else started on the same path. Two matches are ambiguous: the retry creates anew.
 */
import { Context, log } from '@temporalio/activity';
import type { ModelArtsClient } from '../modelarts/client.js';
import type { ImportTask } from '../modelarts/types.js';
import { busyRefusal } from '../modelarts/refusals.js';
import { toFailure } from './failures.js';
import { normaliseObsPath, scanPages, TASK_SCAN } from './page-scan.js';
import { CLOCK_SKEW_MS } from './task-time.js';
import type { CreateImportInput, StartAnswer } from './types.js';

export async function findOwnImport(client: ModelArtsClient, input: CreateImportInput): Promise<ImportTask[]> {
  const wanted = normaliseObsPath(input.request.import_path);
  const since = input.stepStartedAtMs - CLOCK_SKEW_MS;
  const found: ImportTask[] = [];
  await scanPages(
    TASK_SCAN,
    async (page) => {
      const { import_tasks, total_count } = await client.listImportTasks(input.datasetId, page);
      return { items: import_tasks, total: total_count };
    },
    (tasks) => {
      found.push(
        ...tasks.filter(
          (t) => normaliseObsPath(t.import_path) === wanted && t.create_time !== undefined && t.create_time >= since,
        ),
      );
      // Newest first: once a page reaches back before the step began, older pages cannot hold its task.
      const oldest = tasks.at(-1)?.create_time;
      return oldest !== undefined && oldest < since;
    },
  );
  return found;
}

export function createOrReattachImportActivity(client: ModelArtsClient) {
  return async function createOrReattachImport(input: CreateImportInput): Promise<StartAnswer> {
    const retry = Context.current().info.attempt > 1;
    try {
      if (retry) {
        const found = await findOwnImport(client, input);
        if (found.length === 1) {
          log.info('reattaching to import task created by an earlier attempt', { taskId: found[0]!.task_id });
          return { taskId: found[0]!.task_id, reattached: true };
        }
        if (found.length > 1) {
          log.warn('several import tasks of this path since the step began; creating anew', {
            taskIds: found.map((t) => t.task_id),
          });
        }
      }
      try {
        const { task_id } = await client.createImportTask(input.datasetId, input.request);
        return { taskId: task_id, reattached: false };
      } catch (err) {
        // On a retry, "an import is running" may be the one an earlier attempt created unseen: not waited out.
        const busy = busyRefusal(err, { retry, ownCodes: ['ModelArts.4356'] });
        if (busy) return busy;
        throw err;
      }
    } catch (err) {
      throw toFailure(err, `creating an import task on dataset ${input.datasetId}`);
    }
  };
}
