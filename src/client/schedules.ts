/**
 * Library API for recurring exports on Temporal Schedules: create, update, describe, list, pause, unpause, trigger,
 * backfill and delete. The CLI (`modelarts-export schedule ...`) is a thin layer over these.
 *
 * Each scheduled action starts the `exportPipeline` workflow with the validated spec, the `ModelArtsDatasetId`
 * search attribute and a static summary. Workflow ids follow Temporal's default for schedules:
 * `{scheduleId}-workflow-{scheduled time, RFC 3339}` (e.g. `nightly-workflow-2024-05-31T02:00:00Z`), so a scheduled
 * slot never starts twice. `{date}`, `{time}`, … in export paths are filled in from that scheduled time by the run
 * itself (src/contract/placeholders.ts); the placeholders' time zone is the schedule's unless the spec sets one.
 *
 * Everything is validated before anything is contacted (src/spec/schedule.ts): a bad cron expression, duration,
 * time zone or spec throws `ScheduleOptionsError` (a `SpecError`) listing every problem by field. Unknown schedule
 * ids reject with the SDK's `ScheduleNotFoundError`, an id already taken with `ScheduleAlreadyRunning`.
 * How descriptions read: src/client/schedule-describe.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, ScheduleHandle, ScheduleOptions, ScheduleSpec, ScheduleUpdateOptions } from '@temporalio/client';
import type { ValidationIssue } from '../modelarts/errors.js';
import type { PathCharacters } from '../modelarts/obs-path.js';
import { parsePipelineSpec, SpecError, type ParseOptions } from '../spec/pipeline.js';
import {
  checkTiming,
  cronTimeZone,
  OVERLAP_POLICIES,
  overlapIssue,
  scheduleIdProblem,
  toTime,
  type CheckedTiming,
  type Overlap,
  type ScheduleTiming,
} from '../spec/schedule.js';
import { queryString, SCHEDULED_BY_ID } from '../contract/visibility.js';
import type { PipelineSpec, SealedSearch } from '../workflows/types.js';
import {
  datasetClause,
  datasetOf,
  datasetValueOf,
  EXPORT_PIPELINE_TYPE,
  pipelineArgs,
  runMetadata,
  sealedSearchOf,
  summaryOf,
} from './runs.js';
import { clientKeys } from '../sealed/data-converter.js';
import { isSearchHash } from '../sealed/search-hash.js';
import { DatasetIdKey } from '../workflows/search-attributes.js';
import { type SearchAttributePair, TypedSearchAttributes } from '@temporalio/common';
import { rethrowRefusal } from './refused.js';
import { DEFAULT_TENANT } from '../budget/classes.js';
import { withTenantPrefix } from '../sealed/tenant.js';
import { scheduleInfoOf, scheduleListEntryOf, type ScheduleInfo, type ScheduleListEntry } from './schedule-describe.js';

/** Problems with schedule options (and the spec), each naming its field; nothing was created. */
export class ScheduleOptionsError extends SpecError {
  constructor(issues: ValidationIssue[]) {
    super(issues);
    this.name = 'ScheduleOptionsError';
    this.message = `Invalid schedule: ${issues.map((i) => i.message).join('; ')}`;
  }
}

/** The schedule as `scheduledSpec` checks it: everything but where the runs go. */
export interface ScheduleDraft extends ScheduleTiming {
  scheduleId: string;
  /** The run spec (as for `startRun`), validated with parsePipelineSpec before anything is created. */
  spec: unknown;
  /** OBS path characters for a spec that names none (`pathCharacters`; default `documented`). */
  pathCharacters?: PathCharacters;
}

export interface CreateScheduleOptions extends ScheduleDraft {
  /** Task queue of the workers that run the exports. */
  taskQueue: string;
}

export interface UpdateScheduleOptions extends ScheduleTiming {
  /** A new run spec; the schedule's spec is kept when absent. */
  spec?: unknown;
  /** OBS path characters for a new spec that names none. */
  pathCharacters?: PathCharacters;
  taskQueue?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation and the action
// ---------------------------------------------------------------------------------------------------------------

/** Validates the spec together with the schedule options, so one error lists every problem. */
function checkSpec(spec: unknown, issues: ValidationIssue[], options: ParseOptions = {}): PipelineSpec | undefined {
  try {
    return parsePipelineSpec(spec, options);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    issues.push(...err.issues.map((i) => ({ ...i, field: `spec.${i.field}`, message: `spec.${i.message}` })));
    return undefined;
  }
}

/** The spec's placeholders follow the schedule's time zone unless the spec names its own. */
function withPlaceholderZone(spec: PipelineSpec, timezone: string | undefined): PipelineSpec {
  // TS 1.24 cannot put a priority on a schedule's start action: the run carries its origin and sets it itself.
  const scheduled: PipelineSpec = { ...spec, origin: spec.origin ?? 'schedule' };
  return spec.timezone !== undefined || !timezone ? scheduled : { ...scheduled, timezone };
}

/** Checks a new schedule, adding an issue per problem; the spec is the one every run gets. */
function checkDraft(draft: ScheduleDraft, issues: ValidationIssue[]): { timing: CheckedTiming; spec?: PipelineSpec } {
  const idProblem = scheduleIdProblem(draft.scheduleId);
  if (idProblem) issues.push({ field: 'scheduleId', message: `scheduleId: ${idProblem}` });
  const timing = checkTiming(draft, issues, true);
  const parsed = checkSpec(draft.spec, issues, draft.pathCharacters ? { pathCharacters: draft.pathCharacters } : {});
  // Without `timezone`, a CRON_TZ= prefix names the zone the schedule fires in, so the placeholders follow it.
  const spec = parsed && withPlaceholderZone(parsed, timing.timezone ?? cronTimeZone(timing.cron));
  return { timing, ...(spec ? { spec } : {}) };
}

/**
 * The spec every run of a new schedule gets, exactly as `createSchedule` stores it (validated, placeholders in
 * the schedule's time zone); nothing is contacted. Throws `ScheduleOptionsError` listing every problem.
 */
export function scheduledSpec(draft: ScheduleDraft): PipelineSpec {
  const issues: ValidationIssue[] = [];
  const { spec } = checkDraft(draft, issues);
  if (issues.length > 0 || !spec) throw new ScheduleOptionsError(issues);
  return spec;
}

function scheduleSpecOf(t: CheckedTiming): ScheduleSpec {
  return {
    ...(t.cron ? { cronExpressions: t.cron } : {}),
    ...(t.everyMs !== undefined ? { intervals: [{ every: t.everyMs }] } : {}),
    ...(t.timezone ? { timezone: t.timezone } : {}),
  };
}

/** The dataset value a schedule's action already stores (clear, or a keyed hash). */
function previousDatasetValue(
  attributes: TypedSearchAttributes | SearchAttributePair[] | undefined,
): string | undefined {
  if (!attributes) return undefined;
  if (attributes instanceof TypedSearchAttributes) return attributes.get(DatasetIdKey);
  const pair = attributes.find((p) => p.key.name === DatasetIdKey.name);
  return typeof pair?.value === 'string' ? pair.value : undefined;
}

/**
 * `datasetValue`: the spec's dataset as the runs store it (a keyed hash from a sealed client: `datasetValueOf`);
 * `sealed`: a sealed client's keyed hashes of the spec's dataset ids (`sealedSearchOf`).
 */
function actionOf(
  spec: PipelineSpec,
  taskQueue: string,
  scheduleId: string,
  datasetValue: string,
  sealed: SealedSearch | undefined,
) {
  const tenant = spec.tenant ?? DEFAULT_TENANT;
  return {
    type: 'startWorkflow' as const,
    workflowType: EXPORT_PIPELINE_TYPE,
    // A tenant's runs carry its prefix (the server appends the time), so sealed mode seals them with its key.
    ...(tenant !== DEFAULT_TENANT && { workflowId: withTenantPrefix(tenant, `${scheduleId}-workflow`) }),
    taskQueue,
    args: pipelineArgs(spec, sealed),
    ...runMetadata(spec, `${summaryOf(spec)} (schedule ${scheduleId})`, datasetValue),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Create, update
// ---------------------------------------------------------------------------------------------------------------

/**
 * Creates the schedule. Throws `ScheduleOptionsError` before contacting the server when anything is invalid, and
 * the SDK's `ScheduleAlreadyRunning` when the id is taken.
 */
export async function createSchedule(client: Client, options: CreateScheduleOptions): Promise<ScheduleHandle> {
  const issues: ValidationIssue[] = [];
  const { timing, spec } = checkDraft(options, issues);
  if (!options.taskQueue) issues.push({ field: 'taskQueue', message: 'taskQueue: is required' });
  if (issues.length > 0 || !spec) throw new ScheduleOptionsError(issues);

  const sealed = await sealedSearchOf(client, spec, spec.tenant ?? DEFAULT_TENANT);
  const action = actionOf(spec, options.taskQueue, options.scheduleId, datasetValueOf(spec, sealed), sealed);
  const scheduleOptions: ScheduleOptions = {
    scheduleId: options.scheduleId,
    spec: scheduleSpecOf(timing),
    action,
    policies: {
      overlap: OVERLAP_POLICIES[options.overlap ?? 'skip'],
      ...(timing.catchupWindowMs !== undefined ? { catchupWindow: timing.catchupWindowMs } : {}),
      ...(options.pauseOnFailure !== undefined ? { pauseOnFailure: options.pauseOnFailure } : {}),
    },
    // On the schedule too, so schedules can be filtered by dataset (`schedule list --dataset`).
    typedSearchAttributes: action.typedSearchAttributes,
    state: {
      ...(options.paused ? { paused: true } : {}),
      ...(options.note !== undefined ? { note: options.note } : {}),
    },
  };
  try {
    return await client.schedule.create(scheduleOptions);
  } catch (err) {
    rethrowRefusal(err, `Creating schedule ${options.scheduleId}`);
  }
}

/**
 * Changes a schedule: only what is given changes. A new `timezone` also becomes the placeholders' time zone of the
 * current spec (unless a new spec names its own). Validated before anything is contacted.
 */
export async function updateSchedule(
  client: Client,
  scheduleId: string,
  changes: UpdateScheduleOptions,
): Promise<void> {
  const issues: ValidationIssue[] = [];
  const timing = checkTiming(changes, issues, false);
  const options = changes.pathCharacters ? { pathCharacters: changes.pathCharacters } : {};
  const parsed = changes.spec !== undefined ? checkSpec(changes.spec, issues, options) : undefined;
  if (issues.length > 0) throw new ScheduleOptionsError(issues);
  // A new spec's dataset as its runs store it; otherwise the dataset (and so its stored value) is unchanged.
  const newSealed = parsed ? await sealedSearchOf(client, parsed, parsed.tenant ?? DEFAULT_TENANT) : undefined;
  const newDatasetValue = parsed ? datasetValueOf(parsed, newSealed) : undefined;

  await client.schedule.getHandle(scheduleId).update((previous) => {
    const prevSpec = previous.action.args?.[0] as PipelineSpec | undefined;
    const zone = timing.timezone ?? (previous.spec.timezone || undefined);
    let spec = parsed ? withPlaceholderZone(parsed, zone) : prevSpec;
    if (!parsed && spec && timing.timezone !== undefined) spec = { ...spec, timezone: timing.timezone };
    const datasetValue =
      newDatasetValue ?? previousDatasetValue(previous.action.typedSearchAttributes) ?? (spec ? datasetOf(spec) : '');
    const whenChanged = timing.cron !== undefined || timing.everyMs !== undefined;
    const next: ScheduleUpdateOptions = {
      spec: {
        ...previous.spec,
        ...(whenChanged ? { calendars: [], intervals: [], cronExpressions: [] } : {}),
        ...scheduleSpecOf(timing),
      },
      action:
        spec !== undefined
          ? {
              ...previous.action,
              ...actionOf(
                spec,
                changes.taskQueue ?? previous.action.taskQueue,
                scheduleId,
                datasetValue,
                parsed ? newSealed : (previous.action.args?.[1] as SealedSearch | undefined),
              ),
              workflowId: previous.action.workflowId,
            }
          : previous.action,
      policies: {
        ...previous.policies,
        ...(changes.overlap !== undefined ? { overlap: OVERLAP_POLICIES[changes.overlap] } : {}),
        ...(timing.catchupWindowMs !== undefined ? { catchupWindow: timing.catchupWindowMs } : {}),
        ...(changes.pauseOnFailure !== undefined ? { pauseOnFailure: changes.pauseOnFailure } : {}),
      },
      typedSearchAttributes: spec
        ? runMetadata(spec, undefined, datasetValue).typedSearchAttributes
        : previous.typedSearchAttributes,
      state: {
        paused: changes.paused ?? previous.state.paused,
        note: changes.note ?? previous.state.note,
        remainingActions: previous.state.remainingActions,
      },
    };
    return next;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Describe, list
// ---------------------------------------------------------------------------------------------------------------

/** Everything about a schedule: timing, policies, spec, next run times, recent runs and counters. */
export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleInfo> {
  return scheduleInfoOf(await client.schedule.getHandle(scheduleId).describe());
}

export interface ListSchedulesOptions {
  /** Only schedules whose first step exports this dataset. */
  datasetId?: string;
  /** Also schedules of other workflow types (default: only those that start `exportPipeline`). */
  all?: boolean;
}

/**
 * Schedules, through visibility: eventually consistent, so a schedule created a moment ago may be missing (or its
 * state a moment old). `describeSchedule` is always current.
 */
export async function listSchedules(client: Client, options: ListSchedulesOptions = {}): Promise<ScheduleListEntry[]> {
  const query = options.datasetId !== undefined ? datasetClause(options.datasetId, clientKeys(client)) : undefined;
  const entries: ScheduleListEntry[] = [];
  for await (const s of client.schedule.list(query ? { query } : {})) {
    if (!options.all && s.action?.workflowType !== EXPORT_PIPELINE_TYPE) continue;
    const entry = scheduleListEntryOf(s);
    // A keyed hash found by the filter stands for the filter's dataset (as in `listRuns`).
    if (options.datasetId !== undefined && isSearchHash(entry.datasetId)) entry.datasetId = options.datasetId;
    entries.push(entry);
  }
  return entries.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

/** The visibility query for the runs a schedule started (`client.workflow.list({ query })`). */
export function scheduledRunsQuery(scheduleId: string): string {
  return `${SCHEDULED_BY_ID} = ${queryString(scheduleId)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Pause, unpause, trigger, backfill, delete
// ---------------------------------------------------------------------------------------------------------------

export async function pauseSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).pause(note ?? 'Paused with modelarts-export');
}

export async function unpauseSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).unpause(note ?? 'Unpaused with modelarts-export');
}

/**
 * Starts a run now (also when the schedule is paused). Its scheduled time, and so its placeholders, is now.
 * Overlap defaults to `allow-all`, as in Temporal: a manual trigger runs even if a scheduled run is in progress.
 * Resolves to the workflow id of the run it started, or undefined when none showed up within 5 s (an overlap
 * policy other than `allow-all` may have skipped or buffered it).
 */
export async function triggerSchedule(
  client: Client,
  scheduleId: string,
  options: { overlap?: Overlap } = {},
): Promise<string | undefined> {
  const overlap = overlapIssue(options.overlap);
  if (overlap) throw new ScheduleOptionsError([overlap]);
  const recentRuns = async () => (await describeSchedule(client, scheduleId)).recentRuns.map((r) => r.workflowId);
  const before = new Set(await recentRuns());
  await client.schedule.getHandle(scheduleId).trigger(OVERLAP_POLICIES[options.overlap ?? 'allow-all']);
  // The server takes the action within a moment and returns nothing: the new run is the recent one not there before.
  for (let i = 0; i < 50; i++) {
    if (i > 0) await sleep(100);
    const started = (await recentRuns()).find((id) => !before.has(id));
    if (started) return started;
  }
  return undefined;
}

export interface BackfillOptions {
  /** Start of the window (a Date or an ISO 8601 time). */
  from: Date | string;
  /** End of the window. */
  to: Date | string;
  /**
   * Overlap policy for the backfilled runs. Default `allow-all`: every slot in the window starts at once, also while
   * the schedule is paused (the schedule's usual `skip` would skip all but the first slot, since they are all due at
   * the same moment). `buffer-all` runs them one after another instead, but buffered runs only start while the
   * schedule is not paused.
   */
  overlap?: Overlap;
}

/**
 * Takes the actions the schedule would have taken between `from` and `to` (inclusive), now: one run per slot, each
 * with its own scheduled time (and so its own placeholder folder and workflow id).
 */
export async function backfillSchedule(client: Client, scheduleId: string, options: BackfillOptions): Promise<void> {
  const issues: ValidationIssue[] = [];
  const start = toTime(options.from, 'from', issues);
  const end = toTime(options.to, 'to', issues);
  if (start && end && end.getTime() <= start.getTime()) {
    issues.push({ field: 'to', message: `to: must be after from (${start.toISOString()})` });
  }
  const overlap = overlapIssue(options.overlap);
  if (overlap) issues.push(overlap);
  if (issues.length > 0 || !start || !end) throw new ScheduleOptionsError(issues);
  await client.schedule
    .getHandle(scheduleId)
    .backfill({ start, end, overlap: OVERLAP_POLICIES[options.overlap ?? 'allow-all'] });
}

export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).delete();
}
