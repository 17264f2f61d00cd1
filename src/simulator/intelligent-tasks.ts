/**
 * Intelligent tasks (auto labeling, pre-labeling, auto grouping): `POST|GET /datasets/{id}/tasks`,
 * `GET /datasets/{id}/tasks/{task_id}`, `POST /datasets/{id}/tasks/{task_id}/stop`.
 *
 * Status integers per the docs: -1 queuing → 0 initializing → 1 running → 3 succeeded | 2 failed; a stop gives
 * 4 stopping → 5 stopped. `create_time` is a string here, and `code`/`message` carry informational codes
 * (ModelArts.49xx) rather than errors.
 */
import { z } from 'zod';
import {
  TASK_TYPES,
  VERSION_FORMATS,
  type CreateTaskResponse,
  type IntelligentTask,
  type IntelligentTaskStatus,
  type ListTasksResponse,
  type RunningTask,
  type SmartTaskConfig,
  type TaskResult,
  type TaskType,
} from '../modelarts/types.js';
import { jsonBody, ok, type Context, type RouteRequest, type RouteResult } from './context.js';
import { Errors } from './errors.js';
import { addExport, stripNulls } from './export-tasks.js';
import { innerWorkPath, visibleAt, type IntelligentRecord } from './store.js';
import { taskTime } from './time.js';
import { momentAt, resolveBehavior } from './timeline.js';
import { intIn, intLike, page, paging } from './validate.js';

const smartTaskConfig = z.looseObject({
  algorithm_type: z.enum(['fast', 'accurate']).optional(),
  ambiguity: z.boolean().optional(),
  collect_sample: z.boolean().optional(),
  image_brightness: z.boolean().optional(),
  image_colorfulness: z.boolean().optional(),
  n_clusters: intLike.optional(),
  result_type: intIn([0, 1]).optional(),
  worker_server_num: intLike.optional(),
  export_format: intIn([1, 2]).optional(),
  stop_time: intLike.optional(),
  version_format: z.enum(VERSION_FORMATS).optional(),
  model_id: z.string().optional(),
  name: z.string().optional(),
  inf_config_list: z
    .array(
      z.looseObject({
        model_id: z.string().optional(),
        specification: z.string().optional(),
        instance_count: intLike.optional(),
        weight: intLike.optional(),
        envs: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
});

const startTask = z.looseObject({
  task_type: z.enum(TASK_TYPES),
  model_id: z.string().optional(),
  collect_key_sample: z.boolean().optional(),
  config: smartTaskConfig.optional(),
});

/** `type` in the list: 0 and 1 are seen in the docs' examples; 2 for auto grouping is our guess. */
const TYPE_NUMBER: Record<TaskType, number> = { 'auto-label': 0, 'pre-label': 1, 'auto-grouping': 2 };

/** The auto-label task exports labels during the first fifth of its run (code ModelArts.4902). */
const EXPORT_SHARE = 0.2;

interface Informational {
  code: string;
  message: string;
}

const SUBMITTED: Record<TaskType, Informational> = {
  'auto-label': { code: 'ModelArts.4914', message: 'Auto labeling task submitted.' },
  'pre-label': { code: 'ModelArts.4950', message: 'Auto inference task submitted.' },
  'auto-grouping': { code: 'ModelArts.4960', message: 'Auto grouping task submitted.' },
};
/** ModelArts.4996 is not in the error table but is what the docs' list example shows for finished tasks. */
const SUCCEEDED: Record<TaskType, Informational> = {
  'auto-label': { code: 'ModelArts.4996', message: 'task executed successfully.' },
  'pre-label': { code: 'ModelArts.4996', message: 'prelabel task execute successfully.' },
  'auto-grouping': { code: 'ModelArts.4962', message: 'Auto grouping task executed.' },
};
const STOPPED: Informational = { code: 'ModelArts.4393', message: 'Task stopped' };

interface TaskState extends Informational {
  status: IntelligentTaskStatus;
  progress: number;
  /** Seconds; 0 until the task has finished, as in the docs' running example. */
  elapsed: number;
  failed: boolean;
}

function runningInfo(t: IntelligentRecord, fraction: number): Informational {
  if (t.taskType !== 'auto-label') return SUBMITTED[t.taskType];
  if (fraction < EXPORT_SHARE)
    return { code: 'ModelArts.4902', message: `Start to export annotations. Export task id is ${t.exportTaskId}` };
  if (fraction < EXPORT_SHARE + 0.1) return { code: 'ModelArts.4904', message: 'Labels exported.' };
  return { code: 'ModelArts.4900', message: 'Training job prepared.' };
}

export function taskState(t: IntelligentRecord, now: number): TaskState {
  const b = t.behavior;
  if (t.stoppedAt !== undefined) {
    const frozen = momentAt(b, t.createdAt, t.stoppedAt);
    const stoppedAt = t.stoppedAt + b.stopMs;
    if (now < stoppedAt)
      return { status: 4, progress: frozen.progress, elapsed: 0, failed: false, ...runningInfo(t, frozen.fraction) };
    return {
      status: 5,
      progress: frozen.progress,
      elapsed: Math.round((stoppedAt - t.createdAt) / 1000),
      failed: false,
      ...STOPPED,
    };
  }
  const m = momentAt(b, t.createdAt, now);
  if (m.phase === 'queued')
    return {
      status: m.queuedFraction < 0.5 ? -1 : 0,
      progress: 0,
      elapsed: 0,
      failed: false,
      ...SUBMITTED[t.taskType],
    };
  if (m.phase === 'running')
    return { status: 1, progress: m.progress, elapsed: 0, failed: false, ...runningInfo(t, m.fraction) };
  const elapsed = Math.round((m.endsAt - t.createdAt) / 1000);
  if (b.fail)
    return {
      status: 2,
      progress: m.progress,
      elapsed,
      failed: true,
      code: b.fail.error_code,
      message: b.fail.error_msg,
    };
  return { status: 3, progress: 100, elapsed, failed: false, ...SUCCEEDED[t.taskType] };
}

const isRunning = (s: IntelligentTaskStatus) => s === -1 || s === 0 || s === 1 || s === 4;

export function startTaskHandler(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const parsed = startTask.safeParse(stripNulls(jsonBody(req)));
  if (!parsed.success) throw Errors.invalidRequest();
  const { task_type: taskType, model_id: modelId, config = {} } = parsed.data;
  const now = ctx.now();
  const running = (type: TaskType) => ds.tasks.some((t) => t.taskType === type && isRunning(taskState(t, now).status));

  if (taskType === 'auto-label') {
    // The documented preconditions for active learning.
    if (ds.labels.length === 0) throw Errors.needsLabels();
    if (ds.annotatedSamples < 5 * ds.labels.length) throw Errors.needsFiveImages();
    if (ds.annotatedSamples >= ds.totalSamples) throw Errors.needsUnlabeled();
    if (running('auto-label')) throw Errors.autoLabelRunning();
  } else if (taskType === 'pre-label') {
    if (!modelId && !config.model_id) throw Errors.invalidRequest();
    if (running('pre-label')) throw Errors.preLabelRunning();
  } else if (config.n_clusters !== undefined && (config.n_clusters < 1 || config.n_clusters >= ds.totalSamples)) {
    throw Errors.tooManyClusters();
  }

  const behavior = ctx.store.behaviorFor(ds);
  // Echo with the defaults the docs' example shows; the caller's own fields follow.
  const echo: SmartTaskConfig = {
    ambiguity: false,
    worker_server_num: 0,
    collect_sample: false,
    ...(taskType === 'auto-label' ? { algorithm_type: 'fast' as const } : {}),
    image_brightness: false,
    image_colorfulness: false,
    ...(config as SmartTaskConfig),
  };
  const record: IntelligentRecord = {
    id: ctx.ids.id(),
    datasetId: ds.id,
    taskType,
    createdAt: now,
    behavior,
    ...(modelId ? { modelId } : {}),
    config: echo,
    totalSamples: behavior.totalSamples ?? ds.totalSamples,
    annotatedSamples: ds.annotatedSamples,
  };
  if (taskType === 'auto-label') {
    // Active learning first exports the labeled samples through an ordinary export task of the dataset.
    const runMs = behavior.durationMs - behavior.queuedMs;
    const exportTask = addExport(
      ctx,
      ds,
      {
        path: `${innerWorkPath(ds)}annotation/auto-deploy/`,
        exportType: 0,
        sampleState: '__ALL__',
        params: {
          sample_state: '__ALL__',
          export_dest: 'DIR',
          clear_hard_property: true,
          train_sample_ratio: 1,
          ratio_sample_usage: false,
        },
      },
      resolveBehavior({
        durationMs: behavior.queuedMs + Math.round(runMs * EXPORT_SHARE),
        queuedMs: behavior.queuedMs,
        progress: 'linear',
      }),
    );
    record.exportTaskId = exportTask.id;
  }
  ds.tasks.push(record);
  ctx.counters.count(ds.id, 'taskStarts');
  return ok({ task_id: record.id } satisfies CreateTaskResponse);
}

function result(t: IntelligentRecord, state: TaskState): TaskResult {
  return {
    total_sample_count: t.totalSamples,
    annotated_sample_count: t.annotatedSamples,
    ...(state.status === 3 && t.taskType !== 'auto-grouping'
      ? { unconfirmed_sample_count: t.totalSamples - t.annotatedSamples }
      : {}),
  };
}

/** GET .../tasks/{task_id}; field order as in the docs' example, plus task_id from the response table. */
export function taskView(t: IntelligentRecord, now: number, tzOffset: number): IntelligentTask {
  const s = taskState(t, now);
  return {
    task_id: t.id,
    ...(t.config.name ? { task_name: t.config.name } : {}),
    resource_id: t.datasetId,
    create_time: taskTime(t.createdAt, tzOffset),
    progress: s.progress,
    status: s.status,
    message: s.message,
    code: s.code,
    ...(s.failed ? { error_code: s.code, error_msg: s.message } : {}),
    elapsed_time: s.elapsed,
    result: result(t, s),
    export_type: 0,
    config: t.config,
  };
}

/** An item of GET .../tasks; field order as in the docs' list example. */
function runningTaskView(t: IntelligentRecord, now: number, tzOffset: number): RunningTask {
  const s = taskState(t, now);
  const r = result(t, s);
  return {
    dataset_id: t.datasetId,
    task_id: t.id,
    ...(t.config.name ? { task_name: t.config.name } : {}),
    type: TYPE_NUMBER[t.taskType],
    create_time: taskTime(t.createdAt, tzOffset),
    status: s.status,
    code: s.code,
    message: s.message,
    ...(s.failed ? { error_code: s.code, error_msg: s.message } : {}),
    elapsed_time: s.elapsed,
    result: r,
    progress: s.progress,
    total_sample_count: t.totalSamples,
    annotated_sample_count: t.annotatedSamples,
    ...(r.unconfirmed_sample_count !== undefined ? { unconfirmed_sample_count: r.unconfirmed_sample_count } : {}),
    ...(t.modelId ? { model_id: t.modelId } : {}),
    ...(t.taskType === 'auto-label' ? { model_name: 'Supervisory', model_version: '0.0.1' } : {}),
    config: t.config,
  };
}

function findTask(ctx: Context, req: RouteRequest) {
  const ds = ctx.store.require(req.params.datasetId!);
  const task = ds.tasks.find((t) => t.id === req.params.taskId);
  // 4338 ("dataset ID or labeling task ID does not exist") sits with the dataset codes; 4612 belongs to the
  // team-labeling (workforce) block of the table, so it is not used here.
  if (!task || !visibleAt(task, ctx.now())) throw Errors.taskNotFound();
  return { ds, task };
}

export function getTask(ctx: Context, req: RouteRequest): RouteResult {
  const { ds, task } = findTask(ctx, req);
  ctx.counters.count(ds.id, 'taskStatusReads', task.id);
  return ok(taskView(task, ctx.now(), ctx.taskTimeZoneOffsetMinutes));
}

const listQuery = z.enum(TASK_TYPES);

export function listTasks(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const rawType = req.query.get('type');
  const type = rawType ? listQuery.safeParse(rawType) : undefined;
  if (type && !type.success) throw Errors.invalidRequest();
  const paged = paging(req.query);
  const name = req.query.get('task_name');
  const now = ctx.now();
  // Without `type` the service lists auto labeling (active learning and pre-labeling) tasks only.
  const types: TaskType[] = type?.data ? [type.data] : ['auto-label', 'pre-label'];
  const matching = ds.tasks
    .filter((t) => types.includes(t.taskType) && (!name || (t.config.name ?? '').includes(name)) && visibleAt(t, now))
    .reverse();
  ctx.counters.count(ds.id, 'taskLists');
  return ok({
    tasks: page(matching, paged).map((t) => runningTaskView(t, now, ctx.taskTimeZoneOffsetMinutes)),
    total_count: matching.length,
    exist_running_deploy_task: ds.tasks.some((t) => t.taskType === 'pre-label' && isRunning(taskState(t, now).status)),
  } satisfies ListTasksResponse);
}

/**
 * Stop: 204 for a task still queued, initializing or running (it then reports 4 for `stopMs`, then 5), and again
 * 204 while it is stopping. The docs say nothing about stopping a finished task; we answer 400 ModelArts.4393
 * ("Task stopped": the dataset task has already been stopped / is no longer running), for 2, 3 and 5 alike.
 */
export function stopTask(ctx: Context, req: RouteRequest): RouteResult {
  const { ds, task } = findTask(ctx, req);
  const now = ctx.now();
  const { status } = taskState(task, now);
  if (status === 2 || status === 3 || status === 5) throw Errors.taskStopped();
  if (task.stoppedAt === undefined) task.stoppedAt = now;
  ctx.counters.count(ds.id, 'taskStops', task.id);
  return { status: 204 };
}

export function runningTaskType(t: IntelligentRecord): number {
  // running_task_type of GET dataset: 0 auto labeling, 1 pre-labeling, 7 auto grouping.
  return t.taskType === 'auto-label' ? 0 : t.taskType === 'pre-label' ? 1 : 7;
}

export { isRunning as isTaskRunning };
