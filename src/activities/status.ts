/** One status read, normalised so that the workflow treats exports and intelligent tasks alike. */
import { classifyError } from '../modelarts/errors.js';
import type { ModelArtsClient } from '../modelarts/client.js';
import type { ExportTask, IntelligentTask } from '../modelarts/types.js';
import { describeStatus } from '../polling/status.js';
import type { StatusObservation, StatusRead, TaskRef } from './types.js';
import { toFailure } from './failures.js';
import { taskCreateTimeMs } from './task-time.js';

function fromExport(task: ExportTask, readAtMs: number): StatusRead {
  return {
    ok: true,
    status: task.status,
    ...describeStatus('export', task.status),
    progress: task.progress ?? 0,
    createTimeMs: task.create_time,
    readAtMs,
    totalSampleCount: task.total_sample_count,
    finishedSampleCount: task.finished_sample_count,
    errorCode: task.error_code,
    errorMsg: task.error_msg,
    path: task.path,
    newDatasetName: task.export_params?.export_new_dataset_name,
  };
}

function fromIntelligent(task: IntelligentTask, readAtMs: number, createdAfterMs?: number): StatusRead {
  return {
    ok: true,
    status: String(task.status),
    ...describeStatus('intelligent', task.status),
    progress: task.progress ?? 0,
    createTimeMs: taskCreateTimeMs(task.create_time, createdAfterMs) ?? readAtMs,
    readAtMs,
    totalSampleCount: task.result?.total_sample_count,
    finishedSampleCount: task.result?.annotated_sample_count,
    errorCode: task.error_code,
    errorMsg: task.error_msg,
  };
}

export function readStatusActivity(client: ModelArtsClient) {
  return async function readStatus(ref: TaskRef): Promise<StatusObservation> {
    try {
      const readAtMs = Date.now();
      return ref.kind === 'export'
        ? fromExport(await client.getExportTask(ref.datasetId, ref.taskId), readAtMs)
        : fromIntelligent(await client.getTask(ref.datasetId, ref.taskId), readAtMs, ref.createdAfterMs);
    } catch (err) {
      const { retryable, retryAfterMs } = classifyError(err);
      // A failed read never fails the run: the workflow backs off and reads again.
      if (retryable) {
        return {
          ok: false,
          retryAfterMs,
          errorCode: (err as { errorCode?: string }).errorCode,
          message: (err as Error).message,
        };
      }
      throw toFailure(err, `reading ${ref.kind} task ${ref.taskId}`);
    }
  };
}
