/**
 * Export tasks: `POST|GET /datasets/{id}/export-tasks`, `GET /datasets/{id}/export-tasks/{task_id}`.
 * Life cycle INIT → RUNNING → SUCCESSED | FAILED (the service's spelling), driven by the clock.
 */
import { z } from 'zod';
import {
  ANNOTATION_FORMATS,
  EXPORT_DESTS,
  LABEL_TYPES,
  SAMPLE_STATES,
  VERSION_FORMATS,
  type CreateTaskResponse,
  type ExportParamsEcho,
  type ExportStatus,
  type ExportTask,
  type ListExportTasksResponse,
} from '../modelarts/types.js';
import { jsonBody, ok, type Context, type RouteRequest, type RouteResult } from './context.js';
import { obsFolder } from '../modelarts/validation.js';
import { Errors } from './errors.js';
import { visibleAt, type DatasetRecord, type ExportRecord } from './store.js';
import { momentAt, type ResolvedBehavior } from './timeline.js';
import { intIn, intLike, obsPathProblem, page, paging, queryEnum, ratio } from './validate.js';

const op = z.enum(['AND', 'OR']);
/** The docs' examples send `"sample_state": ""` next to the 13 enum values. */
const sampleState = z.union([z.enum(SAMPLE_STATES), z.literal('')]);

const searchCondition = z.looseObject({
  coefficient: z.string().optional(),
  frame_in_video: intLike.optional(),
  hard: z.enum(['0', '1']).optional(),
  import_origin: z.string().optional(),
  kvp: z.string().optional(),
  label_list: z
    .looseObject({
      labels: z
        .array(
          z.looseObject({
            name: z.string().optional(),
            type: intIn(LABEL_TYPES).optional(),
            property: z.record(z.string(), z.array(z.string()).nullable()).optional(),
            op: op.optional(),
          }),
        )
        .optional(),
      op: op.optional(),
    })
    // "If you want to search for multiple labels, op must be specified."
    .refine((l) => (l.labels?.length ?? 0) <= 1 || l.op !== undefined)
    .optional(),
  labeler: z.string().optional(),
  metadata: z
    .looseObject({ op: op.optional(), props: z.record(z.string(), z.array(z.string())).optional() })
    .optional(),
  parent_sample_id: z.string().optional(),
  // "the directory must end with a slash (/)"
  sample_dir: z.string().endsWith('/').optional(),
  sample_name: z.string().optional(),
  sample_time: z
    .string()
    .regex(/^(month|day|\d{8}-\d{8})$/)
    .optional(),
  score: z.string().optional(),
  slice_thickness: z.string().optional(),
  study_date: z.string().optional(),
  time_in_video: z.string().optional(),
});

const exportParams = z.looseObject({
  export_dest: z.enum(EXPORT_DESTS).optional(),
  export_new_dataset_name: z.string().optional(),
  export_new_dataset_work_path: z.string().optional(),
  export_dataset_version_name: z.string().optional(),
  export_dataset_version_format: z.string().optional(),
  sample_state: sampleState.optional(),
  samples: z.array(z.string()).optional(),
  search_conditions: z.array(searchCondition).optional(),
  clear_hard_property: z.boolean().optional(),
  ratio_sample_usage: z.boolean().optional(),
  train_sample_ratio: ratio.optional(),
});

const createExport = z.looseObject({
  path: z.string().optional(),
  export_type: intIn([0, 1, 2, 3]).optional(),
  export_format: intIn([1, 2]).optional(),
  annotation_format: z.enum(ANNOTATION_FORMATS).optional(),
  version_format: z.enum(VERSION_FORMATS).optional(),
  version_id: z.string().optional(),
  sample_state: sampleState.optional(),
  source_type_header: z.enum(['obs://', 's3://']).optional(),
  with_column_header: z.boolean().optional(),
  export_params: exportParams.optional(),
  // Listed as request fields by the docs; accepted and ignored.
  status: intLike.optional(),
  task_id: z.string().optional(),
});

/** Dataset names: 1–100 letters, digits, `-` and `_` (the dataset creation rule). */
const DATASET_NAME = /^[A-Za-z0-9_-]{1,100}$/;
const TABLE_DATASET = 400;

/** Jackson treats `null` like an absent field. */
export function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, stripNulls(v)]),
  );
}

/** How many samples an export of `exportType` covers, and how many of them are labeled. */
function exportedSamples(total: number, annotated: number, exportType: number): { total: number; annotated: number } {
  switch (exportType) {
    case 1:
      return { total: total - annotated, annotated: 0 };
    case 2:
      return { total, annotated };
    default: // 0 labeled, 3 conditional search (treated as a search over labeled samples)
      return { total: annotated, annotated };
  }
}

export interface ExportSpec {
  path: string;
  exportType: number;
  exportFormat?: number;
  versionFormat?: string;
  annotationFormat?: string;
  versionId?: string;
  sampleState?: string;
  params: ExportParamsEcho;
}

/** Adds an export task record (also used by auto labeling for its internal export). */
export function addExport(
  ctx: Context,
  ds: DatasetRecord,
  spec: ExportSpec,
  behavior: ResolvedBehavior,
  newDatasetId?: string,
): ExportRecord {
  const version = spec.versionId ? ds.versions.find((v) => v.id === spec.versionId) : undefined;
  const base = exportedSamples(
    version?.totalSamples ?? ds.totalSamples,
    version?.annotatedSamples ?? ds.annotatedSamples,
    spec.exportType,
  );
  const record: ExportRecord = {
    id: ctx.ids.id(),
    datasetId: ds.id,
    createdAt: ctx.now(),
    behavior,
    path: spec.path,
    exportType: spec.exportType,
    exportFormat: spec.exportFormat ?? 2,
    versionFormat: spec.versionFormat ?? 'Default',
    ...(spec.annotationFormat ? { annotationFormat: spec.annotationFormat } : {}),
    ...(spec.versionId ? { versionId: spec.versionId } : {}),
    ...(spec.sampleState !== undefined ? { sampleState: spec.sampleState } : {}),
    params: spec.params,
    totalSamples: behavior.totalSamples ?? base.total,
    annotatedSamples: Math.min(base.annotated, behavior.totalSamples ?? base.annotated),
    ...(newDatasetId ? { newDatasetId } : {}),
  };
  ds.exports.push(record);
  return record;
}

export function createExportTask(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const parsed = createExport.safeParse(stripNulls(jsonBody(req)));
  if (!parsed.success) throw Errors.invalidExportParam();
  const body = parsed.data;
  const p = body.export_params ?? {};
  const dest = p.export_dest ?? 'DIR';

  // "Mandatory when data is exported to OBS or a new dataset", i.e. always.
  if (!body.path) throw Errors.invalidExportParam();
  const pathProblem = obsPathProblem(body.path, ctx.obsPathCharacters);
  if (pathProblem === 'characters') throw Errors.obsPathInvalid();
  if (pathProblem === 'invalid' || pathProblem === 'double-slash') throw Errors.invalidExportPath();

  if (dest === 'NEW_DATASET') {
    const name = p.export_new_dataset_name;
    const workPath = p.export_new_dataset_work_path;
    if (!name || !DATASET_NAME.test(name) || !workPath) throw Errors.invalidExportParam();
    const workProblem = obsPathProblem(workPath, ctx.obsPathCharacters);
    if (workProblem === 'characters') throw Errors.obsPathInvalid();
    if (workProblem === 'bucket-root') throw Errors.subdirRequired();
    if (workProblem) throw Errors.invalidExportPath();
    // The user guide's rule; which code the service answers it with is not documented: the invalid-path one.
    if (obsFolder(workPath).startsWith(obsFolder(body.path))) throw Errors.invalidExportPath();
    if (ctx.store.nameTaken(name)) throw Errors.datasetExists();
  }
  if (body.version_format === 'CarbonData' && ds.type !== TABLE_DATASET) throw Errors.invalidExportParam();
  if (body.version_id && !ds.versions.some((v) => v.id === body.version_id)) throw Errors.versionNotFound();

  // The echo fills the documented defaults and turns train_sample_ratio into a number (1.0).
  const params: ExportParamsEcho = {
    ...(p.sample_state !== undefined ? { sample_state: p.sample_state } : {}),
    export_dest: dest,
    ...(dest === 'NEW_DATASET'
      ? {
          export_new_dataset_name: p.export_new_dataset_name!,
          export_new_dataset_work_path: p.export_new_dataset_work_path!,
        }
      : {}),
    ...(p.export_dataset_version_name !== undefined
      ? { export_dataset_version_name: p.export_dataset_version_name }
      : {}),
    ...(p.export_dataset_version_format !== undefined
      ? { export_dataset_version_format: p.export_dataset_version_format }
      : {}),
    ...(p.samples ? { samples: p.samples } : {}),
    ...(p.search_conditions ? { search_conditions: p.search_conditions as ExportParamsEcho['search_conditions'] } : {}),
    clear_hard_property: p.clear_hard_property ?? true,
    train_sample_ratio: p.train_sample_ratio ?? 1,
    ratio_sample_usage: p.ratio_sample_usage ?? false,
  };
  const record = addExport(
    ctx,
    ds,
    {
      path: body.path,
      exportType: body.export_type ?? 0,
      ...(body.export_format !== undefined ? { exportFormat: body.export_format } : {}),
      ...(body.version_format ? { versionFormat: body.version_format } : {}),
      ...(body.annotation_format ? { annotationFormat: body.annotation_format } : {}),
      ...(body.version_id ? { versionId: body.version_id } : {}),
      ...(body.sample_state !== undefined ? { sampleState: body.sample_state } : {}),
      params,
    },
    ctx.store.behaviorFor(ds),
    dest === 'NEW_DATASET' ? ctx.ids.id() : undefined,
  );
  ctx.counters.count(ds.id, 'exportCreates');
  // The docs' response table lists the whole task, but the example (and the service) returns only the id.
  return ok({ task_id: record.id } satisfies CreateTaskResponse);
}

export function exportStatus(ex: ExportRecord, now: number): ExportStatus {
  const { phase } = momentAt(ex.behavior, ex.createdAt, now);
  if (phase === 'queued') return 'INIT';
  // A behaviour may make the task answer a status off the documented list (a test of the client's defences).
  if (phase === 'running') return (ex.behavior.exportRunningStatus ?? 'RUNNING') as ExportStatus;
  return ex.behavior.fail ? 'FAILED' : (ex.behavior.exportEndStatus ?? 'SUCCESSED');
}

/** Field order follows the docs' examples. */
export function exportView(ex: ExportRecord, now: number): ExportTask {
  const m = momentAt(ex.behavior, ex.createdAt, now);
  const status = exportStatus(ex, now);
  const done = m.phase === 'done';
  return {
    task_id: ex.id,
    path: ex.path,
    export_type: ex.exportType as ExportTask['export_type'],
    version_format: ex.versionFormat as ExportTask['version_format'],
    export_format: ex.exportFormat as ExportTask['export_format'],
    ...(ex.annotationFormat ? { annotation_format: ex.annotationFormat as ExportTask['annotation_format'] } : {}),
    ...(ex.versionId ? { version_id: ex.versionId } : {}),
    export_params: ex.params,
    status,
    progress: m.progress,
    ...(status === 'FAILED'
      ? { error_code: ex.behavior.fail!.error_code, error_msg: ex.behavior.fail!.error_msg }
      : {}),
    // Absent while INIT/RUNNING, as in the docs' RUNNING example.
    ...(done
      ? {
          total_sample_count: ex.totalSamples,
          finished_sample_count:
            status === 'SUCCESSED' ? ex.totalSamples : Math.floor((ex.totalSamples * m.progress) / 100),
        }
      : {}),
    create_time: ex.createdAt,
    update_time: m.changedAt,
  };
}

export function getExportTask(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const ex = ds.exports.find((e) => e.id === req.params.taskId);
  if (!ex || !visibleAt(ex, ctx.now())) throw Errors.exportTaskNotFound();
  ctx.counters.count(ds.id, 'exportStatusReads', ex.id);
  return ok(exportView(ex, ctx.now()));
}

export function listExportTasks(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const exportType = queryEnum(req.query, 'export_type', [0, 1, 2, 3]);
  const paged = paging(req.query);
  const now = ctx.now();
  // Newest first; records are kept in creation order.
  const matching = ds.exports
    .filter((ex) => (exportType === undefined || ex.exportType === exportType) && visibleAt(ex, now))
    .reverse();
  ctx.counters.count(ds.id, 'exportLists');
  return ok({
    total_count: matching.length,
    export_tasks: page(matching, paged).map((ex) => exportView(ex, now)),
  } satisfies ListExportTasksResponse);
}
