/** Start-or-reattach and stop for intelligent tasks (auto labeling, pre-labeling, auto grouping). */
import { Context, log } from '@temporalio/activity';
import type { ModelArtsClient } from '../modelarts/client.js';
import { ModelArtsApiError } from '../modelarts/errors.js';
import type { RunningTask } from '../modelarts/types.js';
import { busyRefusal } from '../modelarts/refusals.js';
import { describeStatus } from '../polling/status.js';
import { createdWithin } from './task-time.js';
import { toFailure } from './failures.js';
import { scanPages, TASK_SCAN } from './page-scan.js';
import type { StartAnswer, StartTaskInput, TaskRef } from './types.js';

/**
 * Finds the task an earlier attempt of this start may have created. First by this run's marker in
 * `config.description`, the way we rely on. But no official client shows that the service returns the description
 * in the list, so on a retry (when an earlier attempt may have POSTed) a second way is tried when the first finds
 * nothing: a task of this type on this dataset, not finished, created since the step began (create_time's zone is
 * unknown, so under any whole-hour offset). The service runs one such task per dataset at a time, so one found
 * this way is this run's; two would be ambiguous, and the start goes on as if none was found.
 */
async function findOwnTask(client: ModelArtsClient, input: StartTaskInput, retry: boolean) {
  const recent: RunningTask[] = [];
  let byMarker: RunningTask | undefined;
  await scanPages(
    TASK_SCAN,
    async (page) => {
      const { tasks, total_count } = await client.listTasks(input.datasetId, {
        type: input.request.task_type,
        ...page,
      });
      return { items: tasks, total: total_count };
    },
    (tasks) => {
      byMarker = tasks.find((task) => task.config?.description?.includes(input.marker));
      if (byMarker) return true;
      if (retry && input.stepStartedAtMs !== undefined) {
        const since = input.stepStartedAtMs;
        recent.push(
          ...tasks.filter(
            (t) => !describeStatus('intelligent', t.status).terminal && createdWithin(t.create_time, since, Date.now()),
          ),
        );
      }
      return false;
    },
  );
  if (byMarker) return { task: byMarker, how: 'marker' as const };
  return recent.length === 1 ? { task: recent[0]!, how: 'type, dataset and time' as const } : undefined;
}

export function startOrReattachTaskActivity(client: ModelArtsClient) {
  return async function startOrReattachTask(input: StartTaskInput): Promise<StartAnswer> {
    const retry = Context.current().info.attempt > 1;
    try {
      const found = await findOwnTask(client, input, retry);
      if (found) {
        log.info('reattaching to intelligent task created by an earlier attempt', {
          taskId: found.task.task_id,
          foundBy: found.how,
        });
        return { taskId: found.task.task_id, reattached: true };
      }
      try {
        const { task_id } = await client.startTask(input.datasetId, input.request);
        return { taskId: task_id, reattached: false };
      } catch (err) {
        // On a retry, "such a task is running" may be the one an earlier attempt started unseen: not waited out.
        const busy = busyRefusal(err, { retry, ownCodes: ['ModelArts.4385', 'ModelArts.4386', 'ModelArts.4387'] });
        if (busy) return busy;
        throw err;
      }
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
