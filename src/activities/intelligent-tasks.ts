/** Start-or-reattach and stop for intelligent tasks (auto labeling, pre-labeling, auto grouping). */
import { log } from '@temporalio/activity';
import type { ModelArtsClient } from '../modelarts/client.js';
import { ModelArtsApiError } from '../modelarts/errors.js';
import { describeStatus } from '../polling/status.js';
import { toFailure } from './failures.js';
import type { StartedTask, StartTaskInput, TaskRef } from './types.js';

const SCAN_PAGES = 5;
const PAGE_SIZE = 100;

export function startOrReattachTaskActivity(client: ModelArtsClient) {
  return async function startOrReattachTask(input: StartTaskInput): Promise<StartedTask> {
    try {
      for (let page = 0; page < SCAN_PAGES; page++) {
        const { tasks, total_count } = await client.listTasks(input.datasetId, {
          type: input.request.task_type,
          limit: PAGE_SIZE,
          offset: page,
        });
        const match = tasks.find((task) => task.config?.description?.includes(input.marker));
        if (match) {
          log.info('reattaching to intelligent task created by an earlier attempt', { taskId: match.task_id });
          return { taskId: match.task_id, reattached: true };
        }
        if ((page + 1) * PAGE_SIZE >= total_count || tasks.length === 0) break;
      }
      const { task_id } = await client.startTask(input.datasetId, input.request);
      return { taskId: task_id, reattached: false };
    } catch (err) {
      throw toFailure(err, `starting a ${input.request.task_type} task on dataset ${input.datasetId}`);
    }
  };
}

export function stopTaskActivity(client: ModelArtsClient) {
  return async function stopTask(ref: TaskRef): Promise<void> {
    try {
      await client.stopTask(ref.datasetId, ref.taskId);
    } catch (err) {
      // A stop that races the task's own end: the documents do not say what the service answers (the simulator
      // says 400 ModelArts.4393). Whatever the code, a task that reads as finished afterwards needs no stop.
      if (err instanceof ModelArtsApiError && (await finished(client, ref))) {
        log.info('intelligent task had already finished; nothing to stop', { taskId: ref.taskId });
        return;
      }
      throw toFailure(err, `stopping intelligent task ${ref.taskId}`);
    }
  };
}

async function finished(client: ModelArtsClient, ref: TaskRef): Promise<boolean> {
  try {
    return describeStatus('intelligent', (await client.getTask(ref.datasetId, ref.taskId)).status).terminal;
  } catch {
    return false;
  }
}
