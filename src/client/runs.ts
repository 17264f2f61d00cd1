/**
 * Library API for runs: start (idempotently, by workflow id), attach, read progress, list, cancel and await
 * results. The CLI is a thin layer over these.
 */
import { priorityOf, stepBudget } from '../budget/classes.js';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import {
  ApplicationFailure,
  CancelledFailure,
  fromPayloadsAtIndex,
  type SearchAttributePair,
  TerminatedFailure,
} from '@temporalio/common';
import { pipelineProgressQuery, stepProgressQuery } from '../workflows/definitions.js';
import { outcomeKindOf, type OutcomeKind, type RunEndDetails } from '../contract/failures.js';
import { EXPORT_PIPELINE_TYPE as PIPELINE_TYPE, queryString } from '../contract/visibility.js';
import type * as workflows from '../workflows/index.js';
import type { exportPipeline } from '../workflows/pipeline.js';
import { DatasetIdKey } from '../workflows/search-attributes.js';
import type { PipelineProgress, PipelineResult, PipelineSpec, SealedSearch, StepProgress } from '../workflows/types.js';
import { parsePipelineSpec, SpecError } from '../spec/pipeline.js';
import { describeCharacter, echo, unsafeCharacter, type PathCharacters } from '../modelarts/obs-path.js';
import { rethrowRefusal } from './refused.js';
import { DEFAULT_TENANT } from '../budget/classes.js';
import { KEYS_VARIABLE } from '../sealed/config.js';
import { clientKeys, isSealedClient } from '../sealed/data-converter.js';
import type { KeySource } from '../sealed/key-source.js';
import { isSearchHash, searchHash, searchValues } from '../sealed/search-hash.js';
import { TENANT_SEPARATOR, tenantOfWorkflowId, withTenantPrefix } from '../sealed/tenant.js';

/** The workflow type of a run, as the worker registers it (checked against src/workflows/index.ts). */
export const EXPORT_PIPELINE_TYPE = PIPELINE_TYPE satisfies keyof typeof workflows;

export type RunHandle = WorkflowHandle<typeof exportPipeline>;

export interface StartOptions {
  taskQueue: string;
  /** Business key of the run; starting the same id again attaches to that run instead of starting another. */
  workflowId?: string;
  /** OBS path characters for a spec that names none (`pathCharacters`; default `documented`). */
  pathCharacters?: PathCharacters;
}

export interface Started {
  handle: RunHandle;
  workflowId: string;
  /** False when a run with this id already existed (running or finished) and was attached to. */
  started: boolean;
  /** The run attached to (when `started` is false). */
  existing?: {
    runId: string;
    /** Temporal's status: RUNNING, COMPLETED, FAILED, … */
    status: string;
    /** Whether its input is the spec given now (undefined when it could not be read). */
    sameSpec?: boolean;
  };
}

/**
 * A workflow id is at most this long: the server allows 1,000 characters, and each step's id is the run's with
 * `.step-N` added (marker folders are built from it too).
 */
export const MAX_WORKFLOW_ID_LENGTH = 200;

/** What is wrong with a workflow id, as a message without the field name; undefined when it is fine. */
export function workflowIdProblem(id: string): string | undefined {
  if (id.trim() === '') return 'must not be empty: the id is what makes starting again attach to the run';
  if (id.length > MAX_WORKFLOW_ID_LENGTH)
    return `must be at most ${MAX_WORKFLOW_ID_LENGTH} characters; got ${id.length}`;
  const bad = unsafeCharacter(id);
  if (bad) return `must not contain control characters, newlines or bidi overrides; found ${describeCharacter(bad)}`;
  return undefined;
}

/** Lowercase letters and digits: readable, and only characters OBS paths accept (the id names marker folders). */
function randomTag(length = 6): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * `modelarts-export-{dataset}-{yyyymmddThhmmssZ}-{random}`: unique per start, also within one second. Sealed, the
 * dataset is left out (the id is in clear at the server). A run of a tenant gets its prefix (`team-a~…`), which is
 * how sealed mode picks the tenant's key (src/sealed/tenant.ts), also for runs started before it was turned on.
 */
export function defaultWorkflowId(spec: PipelineSpec, sealed = false): string {
  const first = spec.steps[0];
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const what = sealed ? 'run' : (first?.datasetId ?? 'run');
  return withTenantPrefix(spec.tenant ?? DEFAULT_TENANT, `modelarts-export-${what}-${stamp}-${randomTag()}`);
}

/** Sealed, a run's id must name its tenant: the codec picks the key from the id. */
function sealedIdProblem(workflowId: string, spec: PipelineSpec): string | undefined {
  const tenant = spec.tenant ?? DEFAULT_TENANT;
  const named = tenantOfWorkflowId(workflowId);
  if (named === tenant) return undefined;
  return tenant === DEFAULT_TENANT
    ? `names tenant "${named}" but the spec names none (sealed mode picks the key from the id); drop the "${named}${TENANT_SEPARATOR}" prefix or set the spec's tenant`
    : `must start with "${tenant}${TENANT_SEPARATOR}" in sealed mode (the tenant's key is picked from the id), e.g. ${withTenantPrefix(tenant, 'nightly-export')}`;
}

/** JSON with sorted keys, for comparing specs that went through JSON differently. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** The run that holds the id: its status, and whether it was started with this spec (from its first event). */
async function describeExisting(client: Client, workflowId: string, spec: PipelineSpec): Promise<Started['existing']> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const existing = { runId: description.runId, status: description.status.name };
  try {
    const { history } = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId: description.runId },
      maximumPageSize: 1,
    });
    const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    const input = fromPayloadsAtIndex(client.options.loadedDataConverter.payloadConverter, 0, payloads);
    return { ...existing, sameSpec: canonical(input) === canonical(JSON.parse(JSON.stringify(spec))) };
  } catch {
    return existing; // Its input cannot be read (history gone, another converter): say nothing about it.
  }
}

export function summaryOf(spec: PipelineSpec): string {
  if (spec.summary) return spec.summary;
  const kinds = spec.steps.map((s) => s.kind).join(' → ');
  return `ModelArts ${kinds} on dataset ${spec.steps[0]?.datasetId ?? '?'} (${spec.steps.length} step${spec.steps.length === 1 ? '' : 's'})`;
}

/** The dataset the run starts on (its first step's), as its search attribute holds it. */
export function datasetOf(spec: PipelineSpec): string {
  return spec.steps[0]?.datasetId ?? '';
}

/** The spec is the run's input already; the details repeat it only while it is small. */
export const MAX_DETAILS_CHARS = 4096;

/** The run's static details: the spec as JSON when small, else one line per step (what and where), cut short. */
export function detailsOf(spec: PipelineSpec): string {
  const whole = '```json\n' + JSON.stringify(spec, null, 2) + '\n```';
  if (whole.length <= MAX_DETAILS_CHARS) return whole;
  const lines: string[] = [];
  let length = 0;
  for (const [i, step] of spec.steps.entries()) {
    const request = 'request' in step ? (step.request as unknown as Record<string, unknown>) : {};
    const where = request.path ?? request.import_path ?? request.task_type ?? ('taskId' in step ? step.taskId : '');
    const line = `${i + 1}. ${step.kind}${step.datasetId ? ` on ${step.datasetId}` : ''}${where ? `: ${String(where)}` : ''}`;
    if (length + line.length > MAX_DETAILS_CHARS - 200) {
      lines.push(`… and ${spec.steps.length - i} more step(s); the whole spec is the run's input`);
      break;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join('\n');
}

/** What a run shows in visibility and the Temporal UI; shared by started and scheduled runs. */
export function runMetadata(spec: PipelineSpec, summary = summaryOf(spec), datasetValue = datasetOf(spec)) {
  const dataset: SearchAttributePair = { key: DatasetIdKey, value: datasetValue };
  return {
    typedSearchAttributes: [dataset],
    staticSummary: summary,
    staticDetails: detailsOf(spec),
  };
}

/**
 * What a sealed client adds to a run of `spec` by `tenant`: the keyed hashes of the spec's dataset ids under the
 * tenant's current key (src/sealed/search-hash.ts), the run's second argument. The first dataset's is also the run's
 * own `ModelArtsDatasetId` (`datasetValueOf`), which tells the run it is sealed. Undefined for an unsealed client.
 */
export async function sealedSearchOf(
  client: Client,
  spec: PipelineSpec,
  tenant: string,
): Promise<SealedSearch | undefined> {
  if (!isSealedClient(client)) return undefined;
  const key = await clientKeys(client)?.current(tenant);
  if (!key) throw new Error(`sealed mode: no current key for tenant ${JSON.stringify(tenant)} in ${KEYS_VARIABLE}`);
  const datasetIds: Record<string, string> = {};
  for (const id of [datasetOf(spec), ...spec.steps.map((step) => step.datasetId)])
    if (id !== undefined) datasetIds[id] = searchHash(key, DatasetIdKey.name, id);
  return { datasetIds };
}

/** The `ModelArtsDatasetId` a run of `spec` starts with: clear, or the sealed client's keyed hash. */
export function datasetValueOf(spec: PipelineSpec, sealed: SealedSearch | undefined): string {
  return sealed?.datasetIds[datasetOf(spec)] ?? datasetOf(spec);
}

/** The pipeline's arguments: the spec, and a sealed client's keyed hashes (the first dataset's is the run's own). */
export function pipelineArgs(spec: PipelineSpec, sealed: SealedSearch | undefined): Parameters<typeof exportPipeline> {
  if (!sealed) return [spec];
  const { [datasetOf(spec)]: _own, ...others } = sealed.datasetIds;
  return [spec, { datasetIds: others }];
}

/**
 * Validates the spec (throws `SpecError` naming each bad field before anything is created), then starts the run.
 * The same workflow id never starts a second run: a running one is reused, a finished one is attached to.
 */
export async function startRun(client: Client, specInput: unknown, options: StartOptions): Promise<Started> {
  const spec = parsePipelineSpec(specInput, options.pathCharacters ? { pathCharacters: options.pathCharacters } : {});
  const sealed = isSealedClient(client);
  const problem =
    options.workflowId === undefined
      ? undefined
      : (workflowIdProblem(options.workflowId) ?? (sealed ? sealedIdProblem(options.workflowId, spec) : undefined));
  if (problem) throw new SpecError([{ field: 'workflowId', message: `workflowId: ${problem}` }]);
  const workflowId = options.workflowId ?? defaultWorkflowId(spec, sealed);
  const sealedSearch = await sealedSearchOf(client, spec, tenantOfWorkflowId(workflowId));
  try {
    const handle = await client.workflow.start<typeof exportPipeline>(EXPORT_PIPELINE_TYPE, {
      workflowId,
      taskQueue: options.taskQueue,
      args: pipelineArgs(spec, sealedSearch),
      // Running or finished, an existing run with this id is attached to (below), never duplicated.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // The pipeline's own workflow tasks get the run's priority too (its children and activities set it anyway).
      priority: priorityOf(stepBudget(spec)),
      ...runMetadata(spec, summaryOf(spec), datasetValueOf(spec, sealedSearch)),
    });
    return { handle, workflowId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const existing = await describeExisting(client, workflowId, spec);
      return {
        handle: client.workflow.getHandle<typeof exportPipeline>(workflowId),
        workflowId,
        started: false,
        existing,
      };
    }
    rethrowRefusal(err, `Starting run ${echo(workflowId)}`);
  }
}

export interface RunProgress {
  workflowId: string;
  status: string;
  pipeline?: PipelineProgress;
  /** Progress of the step that is running now. */
  step?: StepProgress;
}

/** Live progress: the pipeline's step list plus the running step's own progress. */
export async function getProgress(client: Client, workflowId: string): Promise<RunProgress> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const status = description.status.name;
  if (status !== 'RUNNING') return { workflowId, status };
  const pipeline = await handle.query(pipelineProgressQuery);
  let step: StepProgress | undefined;
  const current = pipeline.current !== undefined ? pipeline.steps[pipeline.current] : undefined;
  if (current) {
    try {
      step = await client.workflow.getHandle(current.workflowId).query(stepProgressQuery);
    } catch {
      // The step may not have started yet, or just finished; the pipeline view is still right.
    }
  }
  return { workflowId, status, pipeline, step };
}

export interface CancelResult {
  /** False when the run had already ended: there was nothing to cancel, which is not an error. */
  requested: boolean;
  /** The run's status when asked (`RUNNING` when cancellation was requested). */
  status: string;
}

/**
 * Asks a running run to stop (see the workflow for what that leaves behind); idempotent: a run that has already
 * ended is left as it is. Rejects with `WorkflowNotFoundError` for an unknown id.
 */
export async function cancelRun(client: Client, workflowId: string): Promise<CancelResult> {
  const handle = client.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  if (status.name !== 'RUNNING') return { requested: false, status: status.name };
  try {
    await handle.cancel();
  } catch (err) {
    // It ended between describe and cancel: report how, as for a run that had ended before.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return { requested: false, status: (await handle.describe()).status.name };
  }
  return { requested: true, status: status.name };
}

/** Friendly status names → visibility `ExecutionStatus` values. */
export const LIST_STATUSES = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  'timed-out': 'TimedOut',
  'continued-as-new': 'ContinuedAsNew',
} as const;
export type ListStatus = keyof typeof LIST_STATUSES;

export interface ListRunsFilter {
  /** Only runs that started on this dataset. */
  datasetId?: string;
  status?: ListStatus;
  /** At most this many runs (default 20). */
  limit?: number;
}

/** One run as visibility reports it (eventually consistent: a run started a moment ago may be missing). */
export interface RunSummary {
  workflowId: string;
  /** Temporal's status: RUNNING, COMPLETED, FAILED, … */
  status: string;
  datasetId?: string;
  startTime: Date;
  closeTime?: Date;
}

/** A string in a visibility query, quoted. */
/** The visibility clause for runs (and schedules) that start on a dataset. */
export function datasetClause(datasetId: string, keys?: KeySource): string {
  // With keys, runs sealed under any of them hold a keyed hash: the query names each (and the clear value).
  const values = searchValues(keys, DatasetIdKey.name, datasetId);
  if (values.length === 1) return `${DatasetIdKey.name} = ${queryString(datasetId)}`;
  return `${DatasetIdKey.name} IN (${values.map(queryString).join(', ')})`;
}

/** The visibility query `listRuns` uses (the same filter works in the Temporal UI). */
export function listRunsQuery(filter: Pick<ListRunsFilter, 'datasetId' | 'status'>, keys?: KeySource): string {
  const clauses = [`WorkflowType = ${queryString(EXPORT_PIPELINE_TYPE)}`];
  if (filter.datasetId !== undefined) clauses.push(datasetClause(filter.datasetId, keys));
  if (filter.status !== undefined) clauses.push(`ExecutionStatus = '${LIST_STATUSES[filter.status]}'`);
  return clauses.join(' AND ');
}

/** Runs, newest first, through visibility. */
export async function listRuns(client: Client, filter: ListRunsFilter = {}): Promise<RunSummary[]> {
  const limit = filter.limit ?? 20;
  const runs: RunSummary[] = [];
  const keys = clientKeys(client);
  for await (const info of client.workflow.list({ query: listRunsQuery(filter, keys) })) {
    const stored = info.typedSearchAttributes.get(DatasetIdKey);
    runs.push({
      workflowId: info.workflowId,
      status: info.status.name,
      // A keyed hash found by the filter stands for the filter's dataset; otherwise it is shown as stored.
      datasetId: isSearchHash(stored) && filter.datasetId !== undefined ? filter.datasetId : stored,
      startTime: info.startTime,
      ...(info.closeTime ? { closeTime: info.closeTime } : {}),
    });
    if (runs.length >= limit) break;
  }
  return runs;
}

/**
 * How a run ended. `outcome` is the coarse, stable word (the CLI's `--json` prints it); `kind` says which of the
 * ways in src/contract/failures.ts it was; `details` carries the step, its task, ModelArts' error_code/error_msg
 * and what was left running.
 */
export type RunOutcome =
  | { outcome: 'succeeded'; kind: 'succeeded'; result: PipelineResult }
  | {
      outcome: 'failed' | 'cancelled' | 'timed-out' | 'terminated';
      kind: Exclude<OutcomeKind, 'succeeded'>;
      message: string;
      /** Absent for a run ended from outside (terminated) or by a server-side timeout. */
      details?: Partial<RunEndDetails>;
    };

/** Waits for the run and reports how it ended, with the failure's message and details (never throws for a run failure). */
export async function awaitRun(client: Client, workflowId: string): Promise<RunOutcome> {
  try {
    const result = (await client.workflow.getHandle<typeof exportPipeline>(workflowId).result()) as PipelineResult;
    return { outcome: 'succeeded', kind: 'succeeded', result };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    if (cause instanceof CancelledFailure) {
      // The workflow records what cancelling left behind in its memo (the failure itself carries no message).
      const { memo } = await client.workflow.getHandle(workflowId).describe();
      const cancellation = memo?.cancellation as (Partial<RunEndDetails> & { message?: string }) | undefined;
      return {
        outcome: 'cancelled',
        kind: 'cancelled',
        message: cancellation?.message ?? cause.message,
        details: cancellation,
      };
    }
    if (cause instanceof TerminatedFailure)
      return { outcome: 'terminated', kind: 'terminated', message: cause.message };
    // The pipeline fails with the failure type of the step that ended it (failures.ts).
    const kind = outcomeKindOf(cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined);
    const details = (cause as { details?: unknown[] } | undefined)?.details?.[0] as Partial<RunEndDetails> | undefined;
    return {
      outcome: kind === 'deadline-exceeded' ? 'timed-out' : 'failed',
      kind,
      message: cause?.message ?? err.message,
      details,
    };
  }
}
