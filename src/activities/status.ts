/** One status read, normalised so that the workflow treats exports and intelligent tasks alike. */
import { classifyError } from '../modelarts/errors.js';
import { isTaskNotFound } from '../modelarts/refusals.js';
import type { ModelArtsClient } from '../modelarts/client.js';
import type { DatasetVersion, ExportTask, ImportTask, IntelligentTask } from '../modelarts/types.js';
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

function fromImport(task: ImportTask, readAtMs: number): StatusRead {
  const state = describeStatus('import', task.status);
  const total = task.total_sample_count;
  const imported = task.imported_sample_count;
  // Import tasks report no percentage: the share of samples imported stands in for it.
  const progress = state.outcome === 'succeeded' ? 100 : total && imported !== undefined ? (100 * imported) / total : 0;
  return {
    ok: true,
    status: task.status,
    ...state,
    progress,
    createTimeMs: task.create_time ?? readAtMs,
    readAtMs,
    totalSampleCount: total,
    finishedSampleCount: imported,
    errorCode: task.error_code,
    errorMsg: task.error_msg,
  };
}

function fromVersion(version: DatasetVersion, readAtMs: number): StatusRead {
  const state = describeStatus('version', version.status ?? '');
  return {
    ok: true,
    status: String(version.status ?? ''),
    ...state,
    progress: state.outcome === 'succeeded' ? 100 : 0,
    createTimeMs: version.create_time ?? readAtMs,
    readAtMs,
    totalSampleCount: version.total_sample_count,
    finishedSampleCount: version.annotated_sample_count,
    // A version in error says why in `message` only.
    ...(state.outcome === 'failed' && version.message ? { errorMsg: version.message } : {}),
    path: version.manifest_path,
    versionName: version.version_name,
  };
}

async function read(client: ModelArtsClient, ref: TaskRef, readAtMs: number): Promise<StatusRead> {
  switch (ref.kind) {
    case 'export':
      return fromExport(await client.getExportTask(ref.datasetId, ref.taskId), readAtMs);
    case 'intelligent':
      return fromIntelligent(await client.getTask(ref.datasetId, ref.taskId), readAtMs, ref.createdAfterMs);
    case 'import':
      return fromImport(await client.getImportTask(ref.datasetId, ref.taskId), readAtMs);
    case 'version':
      return fromVersion(await client.getVersion(ref.datasetId, ref.taskId), readAtMs);
  }
}

export function readStatusActivity(client: ModelArtsClient) {
  return async function readStatus(ref: TaskRef): Promise<StatusObservation> {
    try {
      const readAtMs = Date.now();
      const answer = await read(client, ref, readAtMs);
      // Import tasks answer 200 NOT_EXIST for an id they do not know; right after our create it may be a lag.
      if (ref.fresh && ref.kind === 'import' && answer.status === 'NOT_EXIST')
        return { ok: false, notFound: true, errorCode: 'NOT_EXIST', message: `import task ${ref.taskId}: NOT_EXIST` };
      return answer;
    } catch (err) {
      if (ref.fresh && isTaskNotFound(err))
        return { ok: false, notFound: true, errorCode: err.errorCode!, message: (err as Error).message };
      const { retryable, retryAfterMs, malformed } = classifyError(err);
      // A failed read does not fail the run at once: the workflow backs off and reads again, and gives up only
      // after a bounded number of malformed answers or a bounded time of failures (src/workflows/wait.ts).
      if (retryable) {
        return {
          ok: false,
          ...(malformed && { malformed: true as const }),
          retryAfterMs,
          errorCode: (err as { errorCode?: string }).errorCode,
          httpStatus: (err as { httpStatus?: number }).httpStatus,
          message: (err as Error).message,
        };
      }
      throw toFailure(err, `reading ${ref.kind} task ${ref.taskId}`);
    }
  };
}
