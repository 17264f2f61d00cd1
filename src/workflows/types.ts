/**
 * Inputs and results of the workflows. Plain data only: these cross the Temporal boundary (and land in history),
 * so they never hold credentials.
 */
import type {
  CreateExportTaskRequest,
  CreateImportTaskRequest,
  CreateVersionRequest,
  StartTaskRequest,
} from '../modelarts/types.js';
import type { PollPolicy, PollState } from '../polling/policy.js';
import type { RunOrigin, StepBudget } from '../budget/classes.js';

/** Export a dataset (to OBS, or into a new dataset). `datasetId` defaults to the previous step's output dataset. */
export interface ExportStepSpec {
  kind: 'export';
  datasetId?: string;
  request: CreateExportTaskRequest;
  /**
   * `previous`: export exactly the version the latest earlier publish-version step published (the pipeline fills
   * it into `request.version_id` before the step starts).
   */
  version?: 'previous';
}

/** Start an intelligent task (auto labeling, pre-labeling, auto grouping) and wait for it. */
export interface IntelligentTaskStepSpec {
  kind: 'intelligent-task';
  datasetId?: string;
  request: StartTaskRequest;
}

/** Wait for an intelligent task that already exists (`GET .../tasks/{task_id}`). */
export interface WaitTaskStepSpec {
  kind: 'wait-task';
  datasetId?: string;
  taskId: string;
}

/** Import samples (an OBS directory or a manifest) into the dataset and wait for the import task. */
export interface ImportStepSpec {
  kind: 'import';
  datasetId?: string;
  request: CreateImportTaskRequest;
}

/** Publish a dataset version and wait until it is usable (status 1); its id is the step's `versionId`. */
export interface PublishVersionStepSpec {
  kind: 'publish-version';
  datasetId?: string;
  request: CreateVersionRequest;
}

export type StepSpec =
  ExportStepSpec | IntelligentTaskStepSpec | WaitTaskStepSpec | ImportStepSpec | PublishVersionStepSpec;

export interface WaitOptions {
  /** Overall bound on each step's wait, in milliseconds. */
  deadlineMs?: number;
  /** Overrides of the polling policy (see src/polling/policy.ts). */
  policy?: Partial<PollPolicy>;
  /** Continue-as-new after this many status reads (the server's suggestion also triggers it). */
  maxReadsPerRun?: number;
  /** How long a status no document lists is waited out before the step fails (default 30 minutes). */
  unknownStatusLimitMs?: number;
  /** Status answers in a shape the API does not document, in a row, after which the step fails (default 5). */
  malformedReadLimit?: number;
  /** How long status reads may keep failing (HTML, 5xx, network, 429) before the step fails (default 60 minutes). */
  failedReadLimitMs?: number;
  /**
   * A duration prior (task creation to terminal status, ms), e.g. what this export took last time: one number for
   * every step, or one per step (0: none). A step's first read then aims shortly before it (src/polling/policy.ts).
   * In a step's own input: that step's number.
   */
  expectedDurationMs?: number | number[];
  /** Shortest recent duration (ms), per step as `expectedDurationMs`; set from a schedule's recent runs. */
  shortestDurationMs?: number | number[];
  /** Progress step (percent, 0: smooth) recent runs saw, per step (null: unknown); from a schedule's recent runs. */
  progressStep?: number | (number | null)[];
}

export interface PipelineSpec {
  steps: StepSpec[];
  wait?: WaitOptions;
  /** Free text shown as the run's summary in the Temporal UI; generated when absent. */
  summary?: string;
  /**
   * IANA time zone in which `{date}`, `{time}`, … in export paths are filled in (default UTC); see
   * src/contract/placeholders.ts. `createSchedule` sets it to the schedule's time zone when the spec names none.
   */
  timezone?: string;
  /**
   * Who the run's ModelArts requests are counted for: the fairness key of the request budget (default `default`).
   * Use the ModelArts project, or a team within it (src/budget/classes.ts).
   */
  tenant?: string;
  /** `interactive` runs ahead of `schedule` runs in the budgeted queues; schedules set `schedule`. */
  origin?: RunOrigin;
  /**
   * Which characters OBS paths may use: `documented` (default: digits, letters, `-`, `_`, `/`, per ModelArts.4313)
   * or `any` (for regions that accept more; structure, length and control characters are still checked).
   */
  pathCharacters?: 'documented' | 'any';
}

/**
 * A sealed client's second argument to a run: the keyed hashes (by id) of the spec's dataset ids but the first
 * step's, whose hash is the run's own `ModelArtsDatasetId`, so the pipeline sets its steps' `ModelArtsDatasetId` with
 * no local activity (src/workflows/search-values.ts). Unsealed runs, and runs started by older clients, have none.
 */
export interface SealedSearch {
  datasetIds: Record<string, string>;
}

export type StepOutcome = 'succeeded' | 'failed' | 'stopped' | 'cancelled' | 'timed-out';

export interface StepResult {
  index: number;
  kind: StepSpec['kind'];
  workflowId: string;
  datasetId: string;
  taskId: string;
  /** ModelArts' own final status value (e.g. `SUCCESSED`, `3`). */
  status: string;
  outcome: StepOutcome;
  /** OBS output path of an export (with this run's folder), when there is one. */
  outputPath?: string;
  /** Dataset created by a NEW_DATASET export. */
  newDatasetId?: string;
  newDatasetName?: string;
  /** For an import: samples found, and samples imported so far (`imported_sample_count`). */
  totalSampleCount?: number;
  finishedSampleCount?: number;
  /** The version a publish-version step published (also its `taskId`), or the version an export exported. */
  versionId?: string;
  versionName?: string;
  /** Whether the step found the task this run had already created instead of creating one. */
  reattached: boolean;
  statusReads: number;
  elapsedMs: number;
  /** The progress step (percent, 0: smooth) the wait saw; the next scheduled run's prior uses it. */
  progressStep?: number;
  errorCode?: string;
  errorMsg?: string;
}

export interface PipelineResult {
  workflowId: string;
  outcome: StepOutcome;
  steps: StepResult[];
  elapsedMs: number;
}

/** What a step workflow carries across continue-as-new. */
export interface StepResume {
  taskId: string;
  reattached: boolean;
  startedAtMs: number;
  deadlineAtMs?: number;
  statusReads: number;
  lastStatus?: string;
  /** When the task started answering a status we do not know (reset by a known one). */
  unknownSinceMs?: number;
  /**
   * When this step created the task (absent for a reattached or waited-on task, and in steps recorded before it
   * existed): a "does not exist" answer within the policy's readAfterWriteGraceMs after it is read again.
   */
  createdAtMs?: number;
  /** Malformed status answers in a row (reset by any other read). Absent in runs started before it existed. */
  malformedReads?: number;
  /** When the current run of failed status reads began (reset by a sound read). Absent as above. */
  failingSinceMs?: number;
  pollState: PollState;
  policy: PollPolicy;
}

export interface StepInput {
  index: number;
  spec: StepSpec & { datasetId: string };
  wait: WaitOptions;
  /** Folder name that marks this run's export path; see src/workflows/marker.ts. */
  marker: string;
  /**
   * When the step tells the pipeline its task id: 'on-cancel' (only when a cancel leaves the task behind, the one
   * case the pipeline needs it). Absent in steps started by 0.1.0, which told it at once; kept so their histories
   * replay (a versioning choice carried in the input, so it costs no marker or search-attribute events).
   */
  tellParent?: 'on-cancel';
  resume?: StepResume;
  /**
   * Puts the step's ModelArts activities on the budgeted queues with this tenant and priority. Absent in steps
   * started before the budget existed, which keep their activities on the workflow's queue (replay unchanged).
   */
  budget?: StepBudget;
}

/** Live progress, returned by the `progress` query of step workflows. */
export interface StepProgress {
  index: number;
  kind: StepSpec['kind'];
  datasetId: string;
  taskId?: string;
  status?: string;
  /**
   * `busy`: ModelArts refused the create because another operation on the dataset is under way, and the step waits
   * to try again; `waiting-for-dataset`: a NEW_DATASET export succeeded and its dataset is not usable yet.
   */
  phase: 'starting' | 'busy' | 'waiting' | 'resolving' | 'waiting-for-dataset' | 'done';
  /** What the step waits for outside the task's own status, e.g. `a version of the dataset is being published (ModelArts.4343)`. */
  waitingFor?: string;
  progress: number;
  totalSampleCount?: number;
  finishedSampleCount?: number;
  statusReads: number;
  nextReadAtMs?: number;
  etaAtMs?: number;
  startedAtMs: number;
}

/** Live progress of a whole run, returned by the `progress` query of the pipeline workflow. */
export interface PipelineProgress {
  workflowId: string;
  steps: {
    index: number;
    kind: StepSpec['kind'];
    workflowId: string;
    state: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
    taskId?: string;
    result?: StepResult;
  }[];
  current?: number;
}
