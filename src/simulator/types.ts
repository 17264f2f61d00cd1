/**
 * The simulator's own programmatic surface (options, knobs, counters). Wire types live in `modelarts/types.ts`;
 * everything here is about driving the emulator, not about ModelArts itself.
 */
import type { ApiLimitConfig, LoggedRequest } from './api-limits.js';
import type { Clock } from './clock.js';
import type { Dataset, Label } from '../modelarts/types.js';
import type { IamPolicy } from '../modelarts/permissions.js';
import type { Denial } from './policy.js';

/** How a task created through the API behaves over time. Shared by export, intelligent, import and version tasks. */
export interface TaskBehavior {
  /** Time from create to the terminal status. */
  durationMs: number;
  /** Time spent in INIT (export), -1/0 (intelligent), QUEUING/STARTING (import) before running. Part of durationMs. */
  queuedMs?: number;
  /**
   * Shape of `progress` while running:
   * - `linear`: 0 → 100 evenly;
   * - `stepwise`: jumps in `steps` equal steps;
   * - `stalled-then-jump`: climbs to 30 over the first 30 % of the run, sits at 30 until the end, then jumps to 100;
   * - `none`: stays 0 until the task is done.
   */
  progress: 'linear' | 'stepwise' | 'stalled-then-jump' | 'none';
  /** Number of steps for `stepwise` (default 4). */
  steps?: number;
  /** End FAILED (export/import), 2 (intelligent) or 4 (version) with these. */
  fail?: { error_code: string; error_msg: string };
  /** Samples the task processes; defaults to what the dataset holds. */
  totalSamples?: number;
  /** Intelligent tasks: time spent in 4 (stopping) before 5 (stopped). Default 1000. */
  stopMs?: number;
  /**
   * Exports: the status answered while running instead of `RUNNING` (e.g. `STOPPING`, or a value no document
   * lists, to see how a client copes), and the final one instead of `SUCCESSED` (`STOPPED`).
   */
  exportRunningStatus?: string;
  exportEndStatus?: 'STOPPED';
  /**
   * Reads lag writes: for this long after its create the task (export, import, intelligent task or version) is
   * missing from its list and its GET answers "does not exist" (4359, 200 NOT_EXIST, 4338, 4353), although it
   * exists and runs (and counts for the refusals of other creates).
   */
  visibleAfterMs?: number;
  /**
   * NEW_DATASET exports: the new dataset appears when the export succeeds, but stays in status 0 (creating) this
   * long before it is 1 (normal), or 4 (abnormal) with `newDatasetAbnormal`.
   */
  newDatasetReadyMs?: number;
  newDatasetAbnormal?: boolean;
}

export interface FaultConfig {
  /** Probability (0..1) of a 429. */
  throttleRate?: number;
  /** Sent as `Retry-After` on injected 429s (the rpm limiter computes its own when this is unset). */
  retryAfterSeconds?: number;
  /** `ModelArts.4206` (service) or `APIG.0308` (gateway). Default ModelArts.4206. */
  throttleCode?: 'ModelArts.4206' | 'APIG.0308';
  /** Probability of a 500 (`ModelArts.0010`) or 503 (`ModelArts.4700`). */
  serverErrorRate?: number;
  /** Probability of destroying the socket without an answer. */
  dropRate?: number;
  /** `after` (default): the request takes effect and only the answer is lost; `before`: nothing happens. */
  dropPhase?: 'before' | 'after';
  /** Probability of delaying the answer by `slowMs`. */
  slowRate?: number;
  slowMs?: number;
  /** Per-project requests per minute (sliding window); over it → 429 ModelArts.4206 with Retry-After. */
  rpmLimit?: number;
  /**
   * Creates (POST export-tasks, tasks, versions, import-tasks) take effect at once but their answer is held this
   * long: a client that gives up or dies in between never sees the id, as after a crash between POST and reply.
   */
  holdCreateAnswerMs?: number;
  /** `status`: only single-resource GETs of tasks/versions are hit; `all` (default): every ModelArts route. */
  onlyPaths?: 'status' | 'all';
  /** The gateway's limits per project and per API (src/simulator/api-limits.ts); applies to every route. */
  apiLimit?: ApiLimitConfig;
  /*
   * Answer faults (src/simulator/answer-faults.ts), on the routes `onlyPaths` selects: the request takes effect, the
   * answer is not in the documented shape. (An absurd `Retry-After` on throttling is `retryAfterSeconds`.)
   */
  /** Fields set in 2xx JSON answers, at the top level: `{"progress":"abc"}`, `{"export_tasks":{}}`. */
  answerFields?: Record<string, unknown>;
  /** 2xx answers replaced by a 200 HTML page (`html`, a proxy's login page) or a 200 with no body (`empty`). */
  answerBody?: 'html' | 'empty';
  /** 2xx JSON answers padded to this many bytes (an unknown `padding` field), streamed without Content-Length. */
  hugeAnswerBytes?: number;
  /** The `error_msg` of failed tasks (in status and list answers) and of error answers made this many bytes long. */
  errorMsgBytes?: number;
  /** Probability (0..1) that the answer faults above apply to a request; default 1 (every request). */
  answerFaultRate?: number;
}

/** A dataset created at start (or through `createDataset` / `POST /_sim/datasets`). */
export interface SeedDataset {
  dataset_id?: string;
  dataset_name: string;
  dataset_type?: number;
  description?: string;
  /** Output path `/bucket/dir/`. */
  work_path?: string;
  /** Input path (`data_sources[0].data_path`). */
  data_path?: string;
  labels?: Label[];
  /** Default 100. */
  total_sample_count?: number;
  /** Default 60 when total_sample_count is not given either, else 0. */
  annotated_sample_count?: number;
  /** Default behaviour of tasks on this dataset. */
  behavior?: Partial<TaskBehavior>;
}

export interface SimulatorOptions {
  /** Where time comes from (default the wall clock); a ManualClock lets tests move task time by hand. */
  clock?: Clock;
  /** 0 = free port (default). */
  port?: number;
  /** Default 127.0.0.1. Any other address needs `adminToken`. */
  host?: string;
  /** When set, the admin API (`/_sim/`) serves only requests with `Authorization: Bearer <adminToken>`. */
  adminToken?: string;
  projectId?: string;
  /** Project name tokens are scoped to (OTC uses the region name). Default `eu-de`. */
  projectName?: string;
  credentials?: { accessKey: string; secretKey: string; securityToken?: string }[];
  users?: { name: string; password: string; domainName: string; projectName: string }[];
  /** Tokens accepted as-is for the simulator's project; they never expire. */
  staticTokens?: string[];
  /** IAM token lifetime, default 24 h. */
  tokenTtlMs?: number;
  /** Default true. */
  requireAuth?: boolean;
  datasets?: SeedDataset[];
  defaults?: Partial<TaskBehavior>;
  faults?: FaultConfig;
  /** Deterministic ids, request ids and random faults. */
  seed?: number;
  /** The one-release-per-minute rule (ModelArts.4370); default 60 000. */
  versionReleaseIntervalMs?: number;
  /** Offset of the `"2020-11-23 11:08:20"` strings of intelligent tasks from UTC, in minutes (default 0 = UTC). */
  taskTimeZoneOffsetMinutes?: number;
  /**
   * Characters export and import paths may use: `documented` (default: ModelArts.4313's digits, letters, `-`, `_`,
   * `/`; anything else is answered 400 ModelArts.4313) or `any` (a region that accepts more).
   */
  obsPathCharacters?: 'documented' | 'any';
  /**
   * Keep datasets, tasks, id streams and counters in this JSON file and resume from it on start (`datasets` then
   * only seed a file that does not exist yet). Default: memory only. A file that exists but cannot be read or
   * parsed fails the start with a StateFileError naming it.
   */
  stateFile?: string;
  /**
   * An IAM custom policy the caller is held to (`modelarts-export policy --scope project` prints the product's):
   * a call whose action it does not allow is answered 403 ModelArts.0108 naming the action. Default: none (all
   * allowed).
   */
  policy?: IamPolicy;
}

/** Per-dataset operation counts: operations the service actually carried out (not ones a fault cut short). */
export interface DatasetCounters {
  exportCreates: number;
  exportStatusReads: number;
  exportLists: number;
  taskStarts: number;
  taskStatusReads: number;
  taskLists: number;
  taskStops: number;
  versionCreates: number;
  versionReads: number;
  versionLists: number;
  importCreates: number;
  importReads: number;
  importLists: number;
  datasetReads: number;
  /** Sum of every list call on the dataset. */
  lists: number;
}

export interface TotalCounters extends DatasetCounters {
  /** Every request that reached a ModelArts route, faulted or not. */
  requests: number;
  datasetLists: number;
  tokensIssued: number;
  authFailures: number;
  /** Answers with status >= 400 (injected faults included). */
  errors: number;
}

export interface FaultCounters {
  throttled: number;
  /** 429s from `apiLimit` (per project and API). */
  apiLimited?: number;
  rpmLimited: number;
  serverErrors: number;
  dropped: number;
  slowed: number;
  /** Create answers held back by `holdCreateAnswerMs`. */
  held: number;
  /** Answers changed by an answer fault (`answerFields`, `answerBody`, `hugeAnswerBytes`, `errorMsgBytes`). */
  answers?: number;
}

export interface Counters {
  byDataset: Record<string, DatasetCounters>;
  byTask: Record<string, { statusReads: number; stops: number }>;
  total: TotalCounters;
  faultsInjected: FaultCounters;
}

export interface Simulator {
  /** ModelArts endpoint, e.g. `http://127.0.0.1:40123` (paths start with `/v2/{project_id}`). */
  url: string;
  /** IAM endpoint in OTC style, `${url}/v3`; tokens are at `${iamUrl}/auth/tokens`. */
  iamUrl: string;
  projectId: string;
  port: number;
  close(): Promise<void>;
  createDataset(partial?: Partial<Dataset> & { dataset_name?: string; behavior?: Partial<TaskBehavior> }): Dataset;
  setBehavior(datasetId: string, behavior: Partial<TaskBehavior>): void;
  queueBehavior(datasetId: string, behavior: Partial<TaskBehavior>): void;
  setFaults(faults: FaultConfig): void;
  counters(): Counters;
  /** Every ModelArts request the gateway saw, with whether `apiLimit` throttled it (bounded log). */
  requests(): LoggedRequest[];
  clearRequests(): void;
  issueToken(expiresInMs?: number): string;
  expireTokens(): void;
  now(): number;
  /** Replaces the IAM policy in force (undefined: none, every call allowed). */
  setPolicy(policy: IamPolicy | undefined): void;
  /** Calls the policy refused (bounded log, oldest first). */
  denials(): Denial[];
}
