/**
 * What the client accepts as an answer: a zod schema per documented answer, checked at the boundary so that the
 * activities and the workflow only ever see fields of the documented types.
 *
 * - Lenient where a real Java service is: unknown extra fields pass, `null` counts as absent, times arrive as epoch
 *   milliseconds or as strings of them (or as dates), `SUCCESSED` and undocumented statuses are just strings
 *   (src/polling/status.ts decides what they mean).
 * - Strict on what the product reads: a missing or mistyped field is a ModelArtsMalformedAnswerError naming the call
 *   and the field path (`progress: expected number, got string "abc"`). Non-finite numbers (`1e400`) are rejected.
 * - Bounded: free text (`error_msg`, `message`) is cut to MAX_FREE_TEXT_CHARS, ids and paths have a length limit,
 *   so nothing the service says can blow a Temporal payload.
 */
import { z } from 'zod';
import { truncateText } from './bounded.js';
import { redactSecrets } from './redact.js';
import { ModelArtsMalformedAnswerError } from './errors.js';
import type {
  CreateTaskResponse,
  CreateVersionResponse,
  Dataset,
  DatasetVersion,
  ExportTask,
  ImportTask,
  IntelligentTask,
  ListDatasetsResponse,
  ListExportTasksResponse,
  ListImportTasksResponse,
  ListTasksResponse,
  ListVersionsResponse,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// Field types
// ---------------------------------------------------------------------------------------------------------------

/** Absent, or `null` (a Java service's way of saying absent): both come out as undefined. */
const optional = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((value) => (value === null ? undefined : value));

const id = z.string().min(1).max(512);
/** Names and OBS paths (OBS keys are at most 1,024 bytes; leave room). */
const pathText = z.string().max(4096);
/**
 * Free text from the service: kept, but with the process's secrets blanked (a service may echo one) and cut (it ends
 * up in messages, payloads and history).
 */
const freeText = z.string().transform((text) => truncateText(redactSecrets(text)));
/** `error_code`, `code`: a string, or a number a service may send. */
const code = z
  .union([z.string(), z.number()], { error: 'expected a string' })
  .transform((v) => truncateText(String(v), 128));
const count = z.number().min(0);
/** Percent; a value a hair outside 0..100 is clamped rather than refused. */
const progress = z.number().transform((p) => Math.min(100, Math.max(0, p)));
const statusText = z.string().min(1).max(256);
/** An integer status, or a string of one. */
const intStatus = z.union(
  [
    z.int(),
    z
      .string()
      .regex(/^-?\d+$/)
      .transform(Number),
  ],
  {
    error: 'expected an integer',
  },
);

/** `"2020-11-23 11:08:20"` or ISO 8601, read as UTC; undefined when it is not a date. */
const dateMs = (text: string): number | undefined => {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2} \d/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
  return Number.isNaN(ms) ? undefined : ms;
};

/** Epoch milliseconds: a number, a string of digits, or a date string (converted). */
const epochMs = z.union(
  [
    z.number().min(0),
    z.string().regex(/^\d+$/).transform(Number),
    z
      .string()
      .refine((text) => dateMs(text) !== undefined)
      .transform((text) => dateMs(text)!),
  ],
  { error: 'expected epoch milliseconds or a date' },
);

/** Intelligent tasks' `create_time`: a date string with no zone (kept as it is: task-time.ts reads it), or epoch ms. */
const taskTime = z.union(
  [z.number().min(0), z.string().refine((text) => /^\d+$/.test(text) || dateMs(text) !== undefined)],
  { error: 'expected a date such as "2020-11-23 11:08:20"' },
);

// ---------------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------------

const failureFields = {
  error_code: optional(code),
  error_msg: optional(freeText),
};

/** ExportTaskStatusResp (GET export-tasks/{task_id}, and each item of the list). */
export const exportTaskAnswer = z.looseObject({
  task_id: id,
  status: statusText,
  progress: optional(progress),
  path: optional(pathText),
  total_sample_count: optional(count),
  finished_sample_count: optional(count),
  ...failureFields,
  // Both always in the docs' examples; create_time is read for the finish estimate (src/polling/policy.ts).
  create_time: epochMs,
  update_time: epochMs,
  export_params: optional(z.looseObject({ export_new_dataset_name: optional(pathText) })),
});

export const exportTaskListAnswer = z.looseObject({
  total_count: count,
  export_tasks: z.array(exportTaskAnswer),
});

const taskResult = z.looseObject({
  total_sample_count: optional(count),
  annotated_sample_count: optional(count),
});

/** GET tasks/{task_id}. The docs' own example carries no task_id, so it is optional here. */
export const intelligentTaskAnswer = z.looseObject({
  task_id: optional(id),
  status: intStatus,
  progress: optional(progress),
  message: optional(freeText),
  code: optional(code),
  ...failureFields,
  error_detail: optional(freeText),
  create_time: optional(taskTime),
  result: optional(taskResult),
});

/** An item of GET tasks. */
export const runningTaskAnswer = z.looseObject({
  task_id: id,
  status: intStatus,
  progress: optional(progress),
  message: optional(freeText),
  ...failureFields,
  create_time: optional(taskTime),
  config: optional(z.looseObject({ description: optional(z.string()) })),
});

export const taskListAnswer = z.looseObject({
  tasks: z.array(runningTaskAnswer),
  total_count: count,
});

export const datasetAnswer = z.looseObject({
  dataset_id: id,
  dataset_name: pathText,
  status: optional(z.int()),
});

export const datasetListAnswer = z.looseObject({
  total_number: count,
  datasets: z.array(datasetAnswer),
});

export const versionAnswer = z.looseObject({
  version_id: id,
  version_name: optional(pathText),
  status: optional(z.int()),
  manifest_path: optional(pathText),
  description: optional(z.string()),
  message: optional(freeText),
  total_sample_count: optional(count),
  annotated_sample_count: optional(count),
  create_time: optional(epochMs),
});

export const versionListAnswer = z.looseObject({
  total_number: count,
  versions: z.array(versionAnswer),
});

export const importTaskAnswer = z.looseObject({
  task_id: id,
  status: statusText,
  import_path: optional(pathText),
  total_sample_count: optional(count),
  imported_sample_count: optional(count),
  ...failureFields,
  create_time: optional(epochMs),
  update_ms: optional(epochMs),
});

export const importTaskListAnswer = z.looseObject({
  import_tasks: z.array(importTaskAnswer),
  total_count: count,
});

/** POST export-tasks, tasks, import-tasks: `{"task_id": …}`. */
export const createTaskAnswer = z.looseObject({ task_id: id });
/** POST versions (201): `{"version_id": …}`. */
export const createVersionAnswer = z.looseObject({ version_id: id });

/** Each schema with the wire type its answers are used as. */
export interface AnswerSchema<T> {
  schema: z.ZodType;
  /** Phantom: the type the checked answer is used as. */
  readonly type?: T;
}
const answer = <T>(schema: z.ZodType): AnswerSchema<T> => ({ schema });

export const ANSWERS = {
  exportTask: answer<ExportTask>(exportTaskAnswer),
  exportTaskList: answer<ListExportTasksResponse>(exportTaskListAnswer),
  intelligentTask: answer<IntelligentTask>(intelligentTaskAnswer),
  taskList: answer<ListTasksResponse>(taskListAnswer),
  dataset: answer<Dataset>(datasetAnswer),
  datasetList: answer<ListDatasetsResponse>(datasetListAnswer),
  version: answer<DatasetVersion>(versionAnswer),
  versionList: answer<ListVersionsResponse>(versionListAnswer),
  importTask: answer<ImportTask>(importTaskAnswer),
  importTaskList: answer<ListImportTasksResponse>(importTaskListAnswer),
  createTask: answer<CreateTaskResponse>(createTaskAnswer),
  createVersion: answer<CreateVersionResponse>(createVersionAnswer),
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------------------------------

export interface AnswerCall {
  method: string;
  /** Path without query. */
  path: string;
  httpStatus: number;
}

/** Problems named in one message; the rest are counted. */
const MAX_PROBLEMS = 3;
const PREVIEW_CHARS = 40;

/** `string "abc"`, `number Infinity`, `null`, `array`, `object`: what was found, short. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  if (typeof value === 'string') {
    const json = JSON.stringify(value);
    return `string ${json.length > PREVIEW_CHARS ? `${json.slice(0, PREVIEW_CHARS)}…"` : json}`;
  }
  return `${typeof value} ${truncateText(String(value), PREVIEW_CHARS)}`;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value = body;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function problemOf(issue: z.core.$ZodIssue, body: unknown): string {
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  const value = valueAt(body, issue.path);
  const expected =
    issue.code === 'invalid_type'
      ? `expected ${issue.expected}`
      : issue.message.startsWith('expected')
        ? issue.message
        : undefined;
  if (value === undefined) return `${where}: missing${expected ? ` (${expected})` : ''}`;
  if (expected) return `${where}: ${expected}, got ${describeValue(value)}`;
  return `${where}: ${issue.message} (got ${describeValue(value)})`;
}

/** The problems of a body that fails `schema`, one per issue, in one line. */
export function describeProblems(error: z.ZodError, body: unknown): string {
  const problems = [...new Set(error.issues.map((issue) => problemOf(issue, body)))];
  const shown = problems.slice(0, MAX_PROBLEMS).join('; ');
  const more = problems.length - MAX_PROBLEMS;
  return more > 0 ? `${shown}; and ${more} more` : shown;
}

/**
 * The answer `body` (already JSON-parsed; undefined for an empty body) checked against `expected`, normalised
 * (times as numbers, `null` as absent, free text cut). Throws ModelArtsMalformedAnswerError naming the call and
 * the fields; never a TypeError, whatever the body.
 */
export function checkAnswer<T>(expected: AnswerSchema<T>, body: unknown, call: AnswerCall): T {
  if (body === undefined) {
    throw new ModelArtsMalformedAnswerError(
      'body: expected a JSON object, got an empty body',
      call.httpStatus,
      call.method,
      call.path,
    );
  }
  const result = expected.schema.safeParse(body);
  if (result.success) return result.data as T;
  throw new ModelArtsMalformedAnswerError(
    describeProblems(result.error, body),
    call.httpStatus,
    call.method,
    call.path,
  );
}
