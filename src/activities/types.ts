/** Inputs and outputs of the activities (plain data; they are recorded in workflow history). */
import type {
  CreateExportTaskRequest,
  CreateImportTaskRequest,
  CreateVersionRequest,
  StartTaskRequest,
} from '../modelarts/types.js';
import type { TaskKind } from '../polling/status.js';
import type { PipelineSpec } from '../workflows/types.js';

export interface CreateExportInput {
  datasetId: string;
  /** The request with this run's marker folder already in `path`. */
  request: CreateExportTaskRequest;
}

export interface StartTaskInput {
  datasetId: string;
  /** The request with this run's marker already in `config.description`. */
  request: StartTaskRequest;
  marker: string;
  /** When the step began (epoch ms): a task it started cannot be older (the second way to reattach). */
  stepStartedAtMs?: number;
}

export interface CreateImportInput {
  datasetId: string;
  request: CreateImportTaskRequest;
  /** When the step began (epoch ms): an import it created cannot be older (how a retry finds it). */
  stepStartedAtMs: number;
}

export interface PublishVersionInput {
  datasetId: string;
  /** The request with this run's marker already in `description`. */
  request: CreateVersionRequest;
  marker: string;
  /** When the step began (epoch ms): a version it created cannot be older. */
  stepStartedAtMs: number;
}

export interface StartedTask {
  taskId: string;
  /** True when the task this run created earlier was found and reused. */
  reattached: boolean;
  /** The task id's keyed hash, from a worker holding the run's tenant key (src/activities/search-hash.ts). */
  taskIdSearchValue?: string;
}

/**
 * A create the service refused for now because another operation on the dataset is under way (ModelArts.4343,
 * 4356, ...; src/modelarts/refusals.ts). Nothing was created: the step waits durably and tries again.
 */
export interface BusyAnswer {
  busy: true;
  errorCode: string;
  errorMsg?: string;
  /** What the service is busy with, in words. */
  reason: string;
}

/** What a create-or-reattach activity answers. */
export type StartAnswer = StartedTask | BusyAnswer;

/** The kinds of task a step waits on (a version's publishing is waited on like a task; its id is the version id). */
export type WaitedTaskKind = TaskKind;

export interface TaskRef {
  kind: WaitedTaskKind;
  datasetId: string;
  taskId: string;
  /** Set for a task this step started: it was created after this instant (corrects create_time's zone). */
  createdAfterMs?: number;
  /**
   * Set while the step is within the read-after-write grace of its own create: a "does not exist" answer is then
   * reported as a NotFoundRead instead of failing the read (src/workflows/wait.ts reads again).
   */
  fresh?: true;
}

/** One status read, normalised across export and intelligent tasks. */
export interface StatusRead {
  ok: true;
  /** ModelArts' own value: `RUNNING`, `SUCCESSED`, or an intelligent task's number as a string. */
  status: string;
  /** Human label of the status (`running`, `queuing`, ...). */
  label: string;
  /** The task has not started its work yet. */
  queued: boolean;
  /** No document lists this status (src/polling/status.ts). */
  unknown?: true;
  terminal: boolean;
  /** Set exactly when `terminal` is true. */
  outcome?: 'succeeded' | 'failed' | 'stopped';
  progress: number;
  createTimeMs: number;
  readAtMs: number;
  totalSampleCount?: number;
  finishedSampleCount?: number;
  errorCode?: string;
  errorMsg?: string;
  path?: string;
  newDatasetName?: string;
  /** A version's name (versions only). */
  versionName?: string;
}

/**
 * A status read that failed in a way worth retrying (429, 5xx, network, an answer not in the documented shape);
 * the wait reads again, within bounds (src/workflows/wait.ts).
 */
export interface TransientReadFailure {
  ok: false;
  /** The service answered, but malformed (ModelArtsMalformedAnswerError): `message` names the call and field. */
  malformed?: true;
  retryAfterMs?: number;
  errorCode?: string;
  /** 429 when ModelArts throttled the read (counted per tenant by src/activities/budgeted.ts). */
  httpStatus?: number;
  message: string;
}

/** The service does not know the task (yet): a not-found code, or an import's NOT_EXIST. Only for `fresh` reads. */
export interface NotFoundRead {
  ok: false;
  notFound: true;
  /** The not-found code, or `NOT_EXIST` for an import. */
  errorCode: string;
  message: string;
}

export type StatusObservation = StatusRead | TransientReadFailure | NotFoundRead;

/** Input of `recentStepDurations` (src/activities/schedule-history.ts). */
export interface RecentDurationsInput {
  scheduleId: string;
  /** Steps in this run's spec: one prior per step index. */
  steps: number;
  /** How many recent successful runs to read (default and maximum 7). */
  runs?: number;
}

/** A schedule's recent step durations: the duration prior of its next run. */
export interface RecentDurations {
  /** Per step: the median elapsed time (ms) of that step in the runs read; 0 when none of them had it succeed. */
  expectedDurationMs: number[];
  /** Per step: the shortest such time (ms); 0 as above. */
  shortestDurationMs: number[];
  /** Per step: the coarsest progress step (percent, 0: smooth) those runs saw; null when none said. */
  progressStep: (number | null)[];
  /** Runs whose results were read. */
  runs: number;
}

/** Activities that read Temporal rather than ModelArts (the worker registers them beside the ModelArts ones). */
export interface ScheduleHistoryActivities {
  recentStepDurations(input: RecentDurationsInput): Promise<RecentDurations | null>;
}

/** Input of `expandRunPaths` (src/activities/placeholders.ts). */
export interface ExpandRunPathsInput {
  spec: PipelineSpec;
  /** The run's placeholder time (its scheduled or start time), epoch ms. */
  atMs: number;
}

/** Local activities of the pipeline: their result is recorded in its history, so replays reuse it. */
export interface RunLocalActivities {
  expandRunPaths(input: ExpandRunPathsInput): Promise<PipelineSpec>;
}
