/**
 * Import tasks: `POST|GET /datasets/{id}/import-tasks`, `GET /datasets/{id}/import-tasks/{task_id}`.
 * String statuses QUEUING → STARTING → RUNNING → COMPLETED | FAILED; ids are `{dataset_id}_{19 chars}`; the
 * update time is called `update_ms` here; `import_type` is a string on create and an int (0 dir, 1 manifest) in
 * answers. Completed imports add their samples to the dataset.
 */
import { z } from 'zod';
import {
  IMPORT_ORIGINS,
  IMPORT_TYPES,
  type CreateTaskResponse,
  type ImportStatus,
  type ImportTask,
  type ListImportTasksResponse,
} from '../modelarts/types.js';
import { jsonBody, ok, type Context, type RouteRequest, type RouteResult } from './context.js';
import { Errors } from './errors.js';
import { stripNulls } from './export-tasks.js';
import { visibleAt, type DatasetRecord, type ImportRecord } from './store.js';
import { momentAt } from './timeline.js';
import { obsPathProblem, page, paging } from './validate.js';
import { versionStatus } from './versions.js';

const createImport = z.looseObject({
  import_path: z.string().min(1),
  import_type: z.enum(IMPORT_TYPES).optional(),
  import_origin: z.enum(IMPORT_ORIGINS).optional(),
  import_annotations: z.boolean().optional(),
  import_samples: z.boolean().optional(),
  final_annotation: z.boolean().optional(),
  difficult_only: z.boolean().optional(),
  included_labels: z.array(z.unknown()).optional(),
  excluded_labels: z.array(z.unknown()).optional(),
  import_folder: z.string().optional(),
  with_column_header: z.boolean().optional(),
});

/** Samples an import brings when the behaviour does not say. */
const DEFAULT_IMPORTED = 20;

export function importStatus(im: ImportRecord, now: number): ImportStatus {
  const m = momentAt(im.behavior, im.createdAt, now);
  if (m.phase === 'queued') return m.queuedFraction < 0.5 ? 'QUEUING' : 'STARTING';
  if (m.phase === 'running') return 'RUNNING';
  return im.behavior.fail ? 'FAILED' : 'COMPLETED';
}

const isRunning = (s: ImportStatus) => s === 'QUEUING' || s === 'STARTING' || s === 'RUNNING';

export function runningImports(ds: DatasetRecord, now: number): ImportRecord[] {
  return ds.imports.filter((im) => isRunning(importStatus(im, now)));
}

export function createImportHandler(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const parsed = createImport.safeParse(stripNulls(jsonBody(req)));
  if (!parsed.success) throw Errors.invalidImportParam();
  const body = parsed.data;
  const problem = obsPathProblem(body.import_path, ctx.obsPathCharacters, body.import_type === 'manifest');
  if (problem === 'double-slash') throw Errors.obsPathDoubleSlash();
  if (problem) throw Errors.obsPathInvalid();
  const now = ctx.now();
  // The import page's refusals, as the appendix words them: a version being released (4343), another import (4356).
  if (ds.versions.some((v) => versionStatus(v, now) === 0)) throw Errors.publishing();
  if (runningImports(ds, now).length > 0) throw Errors.importRunning();

  const behavior = ctx.store.behaviorFor(ds);
  const total = behavior.totalSamples ?? DEFAULT_IMPORTED;
  const record: ImportRecord = {
    id: `${ds.id}_${ctx.ids.id()}`,
    datasetId: ds.id,
    createdAt: now,
    behavior,
    // The docs' examples send `s3://test-obs/...` and read back `obs://test-obs/...` for the same import.
    importPath: body.import_path.replace(/^s3:\/\//, 'obs://'),
    importType: body.import_type === 'manifest' ? 1 : 0,
    totalSamples: total,
    annotatedSamples: body.import_annotations === false ? 0 : total,
  };
  ds.imports.push(record);
  ctx.counters.count(ds.id, 'importCreates');
  return ok({ task_id: record.id } satisfies CreateTaskResponse);
}

/** Field order as in the docs' example. */
export function importView(im: ImportRecord, now: number): ImportTask {
  const m = momentAt(im.behavior, im.createdAt, now);
  const status = importStatus(im, now);
  const share = status === 'COMPLETED' ? 1 : status === 'RUNNING' || status === 'FAILED' ? m.progress / 100 : 0;
  const imported = Math.floor(im.totalSamples * share);
  return {
    status,
    task_id: im.id,
    dataset_id: im.datasetId,
    import_path: im.importPath,
    import_type: im.importType,
    total_sample_count: im.totalSamples,
    imported_sample_count: imported,
    annotated_sample_count: Math.floor(im.annotatedSamples * share),
    total_sub_sample_count: 0,
    imported_sub_sample_count: 0,
    total_file_size: 0,
    finished_file_count: 0,
    finished_file_size: 0,
    total_file_count: 0,
    ...(status === 'FAILED'
      ? { error_code: im.behavior.fail!.error_code, error_msg: im.behavior.fail!.error_msg }
      : {}),
    update_ms: m.changedAt,
    create_time: im.createdAt,
    elapsed_time: Math.floor((Math.min(now, m.endsAt) - im.createdAt) / 1000),
  };
}

/**
 * An unknown import task id is not an error: the status enum has `NOT_EXIST` ("not found"), so the answer is 200
 * with that status. (Unknown datasets are still 400 ModelArts.4352.)
 */
export function getImportTask(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const taskId = req.params.taskId!;
  const im = ds.imports.find((x) => x.id === taskId);
  ctx.counters.count(ds.id, 'importReads', taskId);
  if (!im || !visibleAt(im, ctx.now()))
    return ok({ status: 'NOT_EXIST', task_id: taskId, dataset_id: ds.id } satisfies ImportTask);
  return ok(importView(im, ctx.now()));
}

export function listImportTasks(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const paged = paging(req.query);
  const now = ctx.now();
  const matching = ds.imports.filter((im) => visibleAt(im, now)).reverse();
  ctx.counters.count(ds.id, 'importLists');
  return ok({
    total_count: matching.length,
    import_tasks: page(matching, paged).map((im) => importView(im, now)),
  } satisfies ListImportTasksResponse);
}
