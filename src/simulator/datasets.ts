/**
 * Datasets: `GET /datasets/{id}`, `GET /datasets` (search by name), and how datasets come to exist: seeds, the
 * programmatic/admin API, and NEW_DATASET exports that succeed.
 */
import { DATASET_TYPES, type Dataset, type ListDatasetsResponse } from '../modelarts/types.js';
import { ok, type Context, type RouteRequest, type RouteResult } from './context.js';
import { exportStatus } from './export-tasks.js';
import { importStatus, runningImports } from './import-tasks.js';
import { isTaskRunning, runningTaskType, taskState } from './intelligent-tasks.js';
import { innerWorkPath, type DatasetRecord, type ExportRecord, type Store } from './store.js';
import type { SeedDataset } from './types.js';
import { asDirectory, obsPathProblem, page, paging, queryBool, queryEnum } from './validate.js';
import { currentVersion, versionStatus } from './versions.js';

const DATASET_NAME = /^[A-Za-z0-9_-]{1,100}$/;

/** Adds a dataset. Throws on a bad seed (a programming error, not an API answer). */
export function addDataset(store: Store, newId: () => string, seed: SeedDataset, at: number): DatasetRecord {
  if (!DATASET_NAME.test(seed.dataset_name)) throw new Error(`invalid dataset name: ${seed.dataset_name}`);
  if (store.findDatasetByName(seed.dataset_name)) throw new Error(`dataset name already exists: ${seed.dataset_name}`);
  const id = seed.dataset_id ?? newId();
  if (store.datasets.has(id)) throw new Error(`dataset id already exists: ${id}`);
  const workPath = asDirectory(seed.work_path ?? `/modelarts-sim/${seed.dataset_name}/output/`);
  if (obsPathProblem(workPath) === 'invalid') throw new Error(`invalid work_path: ${workPath}`);
  // An unspecified dataset holds 100 samples, 60 of them labeled, so that exports have something to count.
  const total = seed.total_sample_count ?? 100;
  const annotated = seed.annotated_sample_count ?? (seed.total_sample_count === undefined ? 60 : 0);
  const record: DatasetRecord = {
    id,
    name: seed.dataset_name,
    type: seed.dataset_type ?? 0,
    description: seed.description ?? '',
    workPath,
    dataPath: seed.data_path ?? `/modelarts-sim/${seed.dataset_name}/input/`,
    labels: seed.labels ?? [],
    totalSamples: total,
    annotatedSamples: Math.min(annotated, total),
    createdAt: at,
    updatedAt: at,
    behavior: seed.behavior ?? {},
    nextBehaviors: [],
    exports: [],
    tasks: [],
    versions: [],
    imports: [],
  };
  store.datasets.set(id, record);
  return record;
}

/** A NEW_DATASET export that succeeded becomes a dataset, findable by name like any other. */
export function materializeExport(store: Store, ex: ExportRecord, at: number): void {
  const source = store.datasets.get(ex.datasetId);
  const name = ex.params.export_new_dataset_name!;
  if (!source || store.findDatasetByName(name)) return;
  const dataset = addDataset(
    store,
    () => ex.newDatasetId!,
    {
      dataset_id: ex.newDatasetId!,
      dataset_name: name,
      dataset_type: source.type,
      work_path: ex.params.export_new_dataset_work_path!,
      data_path: ex.path,
      labels: structuredClone(source.labels),
      total_sample_count: ex.totalSamples,
      annotated_sample_count: ex.annotatedSamples,
    },
    at,
  );
  if (ex.behavior.newDatasetReadyMs) dataset.readyAt = at + ex.behavior.newDatasetReadyMs;
  if (ex.behavior.newDatasetAbnormal) dataset.abnormal = true;
}

interface RunningTaskRef {
  id: string;
  /** running_task_type: 0 auto labeling, 1 pre-labeling, 2 export, 5 manifest import, 6 version publishing, 7 grouping. */
  type: number;
}

function runningTasks(ds: DatasetRecord, now: number): RunningTaskRef[] {
  const out: RunningTaskRef[] = [];
  for (const t of ds.tasks)
    if (isTaskRunning(taskState(t, now).status)) out.push({ id: t.id, type: runningTaskType(t) });
  for (const ex of ds.exports) {
    const s = exportStatus(ex, now);
    if (s === 'INIT' || s === 'RUNNING') out.push({ id: ex.id, type: 2 });
  }
  for (const im of runningImports(ds, now)) out.push({ id: im.id, type: im.importType === 1 ? 5 : -1 });
  for (const v of ds.versions) if (versionStatus(v, now) === 0) out.push({ id: v.id, type: 6 });
  return out;
}

/**
 * 0 creating while a new dataset is not ready yet (then 4 abnormal if it is to fail), 6 releasing while a version
 * is being published, 8 importing while an import runs, else 1 normal.
 */
function datasetStatus(ds: DatasetRecord, now: number): number {
  if (ds.readyAt !== undefined && now < ds.readyAt) return 0;
  if (ds.abnormal) return 4;
  if (ds.versions.some((v) => versionStatus(v, now) === 0)) return 6;
  if (ds.imports.some((im) => ['QUEUING', 'STARTING', 'RUNNING'].includes(importStatus(im, now)))) return 8;
  return 1;
}

export interface DatasetViewOptions {
  checkRunningTask?: boolean;
  runningTaskType?: number;
}

/** Field order as in the docs' example. */
export function datasetView(ds: DatasetRecord, now: number, options: DatasetViewOptions = {}): Dataset {
  const inner = innerWorkPath(ds);
  const current = currentVersion(ds, now);
  const view: Dataset = {
    dataset_id: ds.id,
    dataset_name: ds.name,
    dataset_type: ds.type,
    data_format: 'Default',
    next_version_num: ds.versions.length + 1,
    status: datasetStatus(ds, now),
    data_sources: [{ data_type: 0, data_path: ds.dataPath }],
    create_time: ds.createdAt,
    update_time: ds.updatedAt,
    description: ds.description,
    ...(current ? { current_version_id: current.id, current_version_name: current.name } : {}),
    total_sample_count: ds.totalSamples,
    annotated_sample_count: ds.annotatedSamples,
    unconfirmed_sample_count: 0,
    work_path: ds.workPath,
    inner_work_path: inner,
    inner_annotation_path: `${inner}annotation/`,
    inner_data_path: `${inner}data/`,
    inner_log_path: `${inner}logs/`,
    inner_temp_path: `${inner}temp/`,
    inner_task_path: `${inner}task/`,
    work_path_type: 0,
    workspace_id: '0',
    enterprise_project_id: '0',
    workforce_task_count: 0,
    feature_supports: ['0'],
    managed: false,
    import_data: false,
    label_task_count: 1,
    dataset_format: ds.type === 400 ? 1 : 0,
    dataset_version_count: ds.versions.length,
    content_labeling: true,
    labels: ds.labels,
  };
  if (options.checkRunningTask) {
    const running = runningTasks(ds, now).filter(
      (t) => options.runningTaskType === undefined || t.type === options.runningTaskType,
    );
    view.exist_running_task = running.length > 0;
    view.running_tasks_id = running.map((t) => t.id);
  }
  return view;
}

export function getDataset(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const checkRunningTask = queryBool(req.query, 'check_running_task');
  const runningTaskType = queryEnum(req.query, 'running_task_type', [0, 1, 2, 3, 4, 5, 6, 7]);
  ctx.counters.count(ds.id, 'datasetReads');
  return ok(
    datasetView(ds, ctx.now(), {
      ...(checkRunningTask !== undefined ? { checkRunningTask } : {}),
      ...(runningTaskType !== undefined ? { runningTaskType } : {}),
    }),
  );
}

/** `search_content` is a case-insensitive substring match on the name; newest first; `offset` is a page index. */
export function listDatasets(ctx: Context, req: RouteRequest): RouteResult {
  const search = (req.query.get('search_content') ?? '').toLowerCase();
  const type = queryEnum(req.query, 'dataset_type', DATASET_TYPES);
  const checkRunningTask = queryBool(req.query, 'check_running_task');
  const paged = paging(req.query);
  const now = ctx.now();
  const matching = ctx.store
    .datasetList()
    .filter((ds) => ds.name.toLowerCase().includes(search) && (type === undefined || ds.type === type));
  ctx.counters.total.datasetLists++;
  return ok({
    total_number: matching.length,
    datasets: page(matching, paged).map((ds) => datasetView(ds, now, checkRunningTask ? { checkRunningTask } : {})),
  } satisfies ListDatasetsResponse);
}
