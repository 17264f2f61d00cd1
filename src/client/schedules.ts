/**
 * Library API for recurring exports on Temporal Schedules: create, update, describe, list, pause, unpause, trigger,
 * backfill and delete. The CLI (`modelarts-export schedule ...`) is a thin layer over these.
 *
 * Each scheduled action starts the `exportPipeline` workflow with the validated spec, the `ModelArtsDatasetId`
 * search attribute and a static summary. Workflow ids follow Temporal's default for schedules:
 * `{scheduleId}-workflow-{scheduled time, RFC 3339}` (e.g. `nightly-workflow-2024-05-31T02:00:00Z`), so a scheduled
 * slot never starts twice. `{date}`, `{time}`, … in export paths are filled in from that scheduled time by the run
 * itself (src/workflows/placeholders.ts); the placeholders' time zone is the schedule's unless the spec sets one.
 *
 * Everything is validated before anything is contacted: a bad cron expression, duration, time zone or spec throws
 * `ScheduleOptionsError` (a `SpecError`) listing every problem by field. Unknown schedule ids reject with the SDK's
 * `ScheduleNotFoundError`, an id already taken with `ScheduleAlreadyRunning`.
 */
import {
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptions,
  type ScheduleSpec,
  type ScheduleSpecDescription,
  type ScheduleSummary,
  type ScheduleUpdateOptions,
  type CalendarSpecDescription,
  type IntervalSpecDescription,
  type Range,
  MONTHS,
  DAYS_OF_WEEK,
} from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { ValidationIssue } from '../modelarts/errors.js';
import { parseDuration } from '../spec/duration.js';
import { parsePipelineSpec, SpecError } from '../spec/pipeline.js';
import {
  cronProblem,
  INTERVAL_HINT,
  isOverlap,
  OVERLAP_NAMES,
  OVERLAP_POLICIES,
  overlapName,
  parseInterval,
  timeZoneProblem,
  type Overlap,
} from '../spec/schedule.js';
import { SCHEDULED_BY_ID } from '../workflows/placeholders.js';
import { DatasetIdKey } from '../workflows/search-attributes.js';
import type { PipelineSpec } from '../workflows/types.js';
import { summaryOf } from './runs.js';

export { OVERLAP_NAMES, type Overlap } from '../spec/schedule.js';

/** The workflow every schedule here starts. */
export const SCHEDULED_WORKFLOW_TYPE = 'exportPipeline';

/** Problems with schedule options (and the spec), each naming its field; nothing was created. */
export class ScheduleOptionsError extends SpecError {
  constructor(issues: ValidationIssue[]) {
    super(issues);
    this.name = 'ScheduleOptionsError';
    this.message = `Invalid schedule: ${issues.map((i) => i.message).join('; ')}`;
  }
}

/** When a schedule fires and how it behaves; shared by create and update. */
export interface ScheduleTiming {
  /** Cron expressions (5, 6 or 7 fields, `@daily`, `@every 1h`, …); the union of all of them fires. */
  cron?: string | string[];
  /** A fixed interval instead of cron: `15m`, `1h`, `1d` (aligned to the Unix epoch, as Temporal does). */
  every?: string;
  /** IANA time zone the cron expressions are read in (default UTC); also the placeholders' time zone. */
  timezone?: string;
  /** What to do when a run is due while the previous one still runs (default `skip`). */
  overlap?: Overlap;
  /** How late a missed run (server down) may still start: `10m`, `1h`, `1d` (Temporal's default: one year). */
  catchupWindow?: string;
  /** Pause the schedule when a run fails. */
  pauseOnFailure?: boolean;
  /** A note on the schedule (shown by describe and the Temporal UI). */
  note?: string;
  /** Create (or set) the schedule paused. */
  paused?: boolean;
}

export interface CreateScheduleOptions extends ScheduleTiming {
  scheduleId: string;
  /** The run spec (as for `startRun`), validated with parsePipelineSpec before anything is created. */
  spec: unknown;
  /** Task queue of the workers that run the exports. */
  taskQueue: string;
}

export interface UpdateScheduleOptions extends ScheduleTiming {
  /** A new run spec; the schedule's spec is kept when absent. */
  spec?: unknown;
  taskQueue?: string;
}

export interface ScheduledRun {
  /** The slot the run was for (its placeholders are filled from this time). */
  scheduledAt: Date;
  takenAt: Date;
  workflowId: string;
  firstExecutionRunId: string;
}

/** What `listSchedules` reports for each schedule (from visibility, which is eventually consistent). */
export interface ScheduleListEntry {
  scheduleId: string;
  paused: boolean;
  note?: string;
  /** Cron expressions, as Temporal stores them (`0 2 * * 1-5`). */
  cron: string[];
  /** Intervals (`1h`, `15m offset 5m`). */
  every: string[];
  timezone: string;
  datasetId?: string;
  nextRunTimes: Date[];
  recentRuns: ScheduledRun[];
}

/** What `describeSchedule` reports. */
export interface ScheduleInfo extends ScheduleListEntry {
  overlap: Overlap;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  workflowType: string;
  taskQueue: string;
  /** Prefix of the runs' workflow ids; the scheduled time (RFC 3339) follows. */
  workflowIdPrefix: string;
  /** The run spec each action starts (placeholders not filled in). */
  spec?: PipelineSpec;
  summary?: string;
  runningWorkflowIds: string[];
  actionsTaken: number;
  actionsSkippedOverlap: number;
  actionsMissedCatchupWindow: number;
  createdAt: Date;
  updatedAt?: Date;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------------

/** Schedule ids end up in workflow ids and visibility queries: keep them to safe characters. */
const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;

export function scheduleIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || !SCHEDULE_ID.test(id)) {
    return `must be 1-200 characters: letters, digits, ".", "_", ":", "@", "-" (starting with a letter or digit); got ${JSON.stringify(id) ?? String(id)}`;
  }
  return undefined;
}

/** The time zone a `CRON_TZ=` / `TZ=` prefix of the first expression names (the placeholders' zone without `timezone`). */
function cronTimeZone(cron: string[] | undefined): string | undefined {
  const first = cron?.[0];
  return typeof first === 'string' ? /^\s*(?:CRON_TZ|TZ)=(\S+)\s/.exec(first)?.[1] : undefined;
}

interface CheckedTiming {
  cron?: string[];
  everyMs?: number;
  timezone?: string;
  catchupWindowMs?: number;
}

function checkTiming(t: ScheduleTiming, issues: ValidationIssue[], requireWhen: boolean): CheckedTiming {
  const out: CheckedTiming = {};
  const cron = t.cron === undefined ? undefined : Array.isArray(t.cron) ? t.cron : [t.cron];
  if (cron !== undefined && t.every !== undefined) {
    issues.push({ field: 'cron', message: 'cron: give either cron or every, not both' });
  } else if (requireWhen && (cron === undefined || cron.length === 0) && t.every === undefined) {
    issues.push({ field: 'cron', message: 'cron: a schedule needs cron expressions or an interval (every)' });
  }
  if (cron !== undefined) {
    if (cron.length === 0) issues.push({ field: 'cron', message: 'cron: give at least one expression' });
    cron.forEach((expression, i) => {
      const problem = typeof expression === 'string' ? cronProblem(expression) : 'must be a string';
      if (problem)
        issues.push({ field: `cron[${i}]`, message: `cron[${i}]: ${problem}; got ${JSON.stringify(expression)}` });
    });
    out.cron = cron;
  }
  if (t.every !== undefined) {
    const ms = typeof t.every === 'string' ? parseInterval(t.every) : undefined;
    if (ms === undefined)
      issues.push({ field: 'every', message: `every: ${INTERVAL_HINT}; got ${JSON.stringify(t.every)}` });
    out.everyMs = ms;
  }
  if (t.timezone !== undefined) {
    const problem = typeof t.timezone === 'string' ? timeZoneProblem(t.timezone) : 'must be a string';
    if (problem) issues.push({ field: 'timezone', message: `timezone: ${problem}` });
    out.timezone = t.timezone;
    // The server rejects a CRON_TZ= prefix that names another zone than the schedule's.
    cron?.forEach((expression, i) => {
      const zone = cronTimeZone([expression]);
      if (zone !== undefined && zone !== t.timezone) {
        issues.push({
          field: `cron[${i}]`,
          message: `cron[${i}]: its time zone ${zone} conflicts with timezone ${t.timezone}; give one of them`,
        });
      }
    });
  }
  if (t.overlap !== undefined && !isOverlap(t.overlap)) {
    issues.push({
      field: 'overlap',
      message: `overlap: must be one of ${OVERLAP_NAMES.join(', ')}; got ${JSON.stringify(t.overlap)}`,
    });
  }
  if (t.catchupWindow !== undefined) {
    const ms = typeof t.catchupWindow === 'string' ? parseDuration(t.catchupWindow) : undefined;
    if (ms === undefined || ms < 10_000) {
      issues.push({
        field: 'catchupWindow',
        message: `catchupWindow: must be a duration of at least 10s such as "10m", "6h" or "2d"; got ${JSON.stringify(t.catchupWindow)}`,
      });
    }
    out.catchupWindowMs = ms;
  }
  return out;
}

/** Validates the spec together with the schedule options, so one error lists every problem. */
function checkSpec(spec: unknown, issues: ValidationIssue[]): PipelineSpec | undefined {
  try {
    return parsePipelineSpec(spec);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    issues.push(...err.issues.map((i) => ({ ...i, field: `spec.${i.field}`, message: `spec.${i.message}` })));
    return undefined;
  }
}

function scheduleSpecOf(t: CheckedTiming): ScheduleSpec {
  return {
    ...(t.cron ? { cronExpressions: t.cron } : {}),
    ...(t.everyMs !== undefined ? { intervals: [{ every: t.everyMs }] } : {}),
    ...(t.timezone ? { timezone: t.timezone } : {}),
  };
}

/** The spec's placeholders follow the schedule's time zone unless the spec names its own. */
function withPlaceholderZone(spec: PipelineSpec, timezone: string | undefined): PipelineSpec {
  return spec.timezone !== undefined || !timezone ? spec : { ...spec, timezone };
}

function datasetOf(spec: PipelineSpec): string {
  return spec.steps[0]?.datasetId ?? '';
}

function actionOf(spec: PipelineSpec, taskQueue: string, scheduleId: string) {
  return {
    type: 'startWorkflow' as const,
    workflowType: SCHEDULED_WORKFLOW_TYPE,
    taskQueue,
    args: [spec],
    typedSearchAttributes: [{ key: DatasetIdKey, value: datasetOf(spec) }] as SearchAttributePair[],
    staticSummary: `${summaryOf(spec)} (schedule ${scheduleId})`,
    staticDetails: '```json\n' + JSON.stringify(spec, null, 2) + '\n```',
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
  const idProblem = scheduleIdProblem(options.scheduleId);
  if (idProblem) issues.push({ field: 'scheduleId', message: `scheduleId: ${idProblem}` });
  const timing = checkTiming(options, issues, true);
  const parsed = checkSpec(options.spec, issues);
  if (!options.taskQueue) issues.push({ field: 'taskQueue', message: 'taskQueue: is required' });
  if (issues.length > 0 || !parsed) throw new ScheduleOptionsError(issues);

  const spec = withPlaceholderZone(parsed, timing.timezone ?? cronTimeZone(timing.cron));
  const scheduleOptions: ScheduleOptions = {
    scheduleId: options.scheduleId,
    spec: scheduleSpecOf(timing),
    action: actionOf(spec, options.taskQueue, options.scheduleId),
    policies: {
      overlap: OVERLAP_POLICIES[options.overlap ?? 'skip'],
      ...(timing.catchupWindowMs !== undefined ? { catchupWindow: timing.catchupWindowMs } : {}),
      ...(options.pauseOnFailure !== undefined ? { pauseOnFailure: options.pauseOnFailure } : {}),
    },
    // On the schedule too, so schedules can be filtered by dataset (`schedule list --dataset`).
    typedSearchAttributes: [{ key: DatasetIdKey, value: datasetOf(spec) }],
    state: {
      ...(options.paused ? { paused: true } : {}),
      ...(options.note !== undefined ? { note: options.note } : {}),
    },
  };
  return client.schedule.create(scheduleOptions);
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
  const parsed = changes.spec !== undefined ? checkSpec(changes.spec, issues) : undefined;
  if (issues.length > 0) throw new ScheduleOptionsError(issues);

  await client.schedule.getHandle(scheduleId).update((previous) => {
    const prevSpec = previous.action.args?.[0] as PipelineSpec | undefined;
    const zone = timing.timezone ?? (previous.spec.timezone || undefined);
    let spec = parsed ? withPlaceholderZone(parsed, zone) : prevSpec;
    if (!parsed && spec && timing.timezone !== undefined) spec = { ...spec, timezone: timing.timezone };
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
              ...actionOf(spec, changes.taskQueue ?? previous.action.taskQueue, scheduleId),
              workflowId: previous.action.workflowId,
            }
          : previous.action,
      policies: {
        ...previous.policies,
        ...(changes.overlap !== undefined ? { overlap: OVERLAP_POLICIES[changes.overlap] } : {}),
        ...(timing.catchupWindowMs !== undefined ? { catchupWindow: timing.catchupWindowMs } : {}),
        ...(changes.pauseOnFailure !== undefined ? { pauseOnFailure: changes.pauseOnFailure } : {}),
      },
      typedSearchAttributes: spec ? [{ key: DatasetIdKey, value: datasetOf(spec) }] : previous.typedSearchAttributes,
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

const DEFAULT_FULL: Record<string, [number, number]> = {
  second: [0, 59],
  minute: [0, 59],
  hour: [0, 23],
  dayOfMonth: [1, 31],
  month: [1, 12],
  dayOfWeek: [0, 6],
};

function rangeText(ranges: Range<number>[], field: string): string {
  if (ranges.length === 0) return '*';
  const full = DEFAULT_FULL[field];
  return ranges
    .map(({ start, end, step }) => {
      const last = Math.max(end, start);
      const stepText = step > 1 ? `/${step}` : '';
      if (full && start === full[0] && last >= full[1]) return `*${stepText}`;
      return last === start && !stepText ? `${start}` : `${start}-${last}${stepText}`;
    })
    .join(',');
}

const monthNumber = (m: string) => MONTHS.indexOf(m as (typeof MONTHS)[number]) + 1;
const dayNumber = (d: string) => DAYS_OF_WEEK.indexOf(d as (typeof DAYS_OF_WEEK)[number]);

/** A calendar as Temporal stores it, written back as a cron expression (`0 2 * * 1-5 # nightly`). */
export function calendarToCron(cal: CalendarSpecDescription): string {
  const numeric = <T>(ranges: Range<T>[], toNumber: (v: T) => number): Range<number>[] =>
    ranges.map((r) => ({ start: toNumber(r.start), end: toNumber(r.end), step: r.step }));
  const second = rangeText(cal.second, 'second');
  const fields = [
    rangeText(cal.minute, 'minute'),
    rangeText(cal.hour, 'hour'),
    rangeText(cal.dayOfMonth, 'dayOfMonth'),
    rangeText(numeric(cal.month, monthNumber), 'month'),
    rangeText(numeric(cal.dayOfWeek, dayNumber), 'dayOfWeek'),
  ];
  const year = rangeText(cal.year, 'year');
  const text =
    second !== '0'
      ? [second, ...fields, year].join(' ')
      : year !== '*'
        ? [...fields, year].join(' ')
        : fields.join(' ');
  return cal.comment ? `${text} # ${cal.comment}` : text;
}

/** Milliseconds as the largest whole unit: 3600000 → `1h`, 90000 → `90s`. */
export function formatInterval(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function intervalText(iv: IntervalSpecDescription): string {
  return iv.offset ? `${formatInterval(iv.every)} offset ${formatInterval(iv.offset)}` : formatInterval(iv.every);
}

function timingOf(spec: ScheduleSpecDescription | undefined) {
  return {
    cron: (spec?.calendars ?? []).map(calendarToCron),
    every: (spec?.intervals ?? []).map(intervalText),
    timezone: spec?.timezone || 'UTC',
  };
}

function runsOf(results: ScheduleDescription['info']['recentActions']): ScheduledRun[] {
  return results.map((r) => ({
    scheduledAt: r.scheduledAt,
    takenAt: r.takenAt,
    workflowId: r.action.workflow.workflowId,
    firstExecutionRunId: r.action.workflow.firstExecutionRunId,
  }));
}

/** Everything about a schedule: timing, policies, spec, next run times, recent runs and counters. */
export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleInfo> {
  const d = await client.schedule.getHandle(scheduleId).describe();
  const spec = d.action.args?.[0] as PipelineSpec | undefined;
  return {
    scheduleId: d.scheduleId,
    paused: d.state.paused,
    ...(d.state.note ? { note: d.state.note } : {}),
    ...timingOf(d.spec),
    ...(spec ? { datasetId: datasetOf(spec) } : {}),
    nextRunTimes: d.info.nextActionTimes,
    recentRuns: runsOf(d.info.recentActions),
    overlap: overlapName(d.policies.overlap),
    catchupWindowMs: d.policies.catchupWindow,
    pauseOnFailure: d.policies.pauseOnFailure,
    workflowType: d.action.workflowType,
    taskQueue: d.action.taskQueue,
    workflowIdPrefix: d.action.workflowId,
    ...(spec ? { spec } : {}),
    ...(d.action.staticSummary ? { summary: d.action.staticSummary } : {}),
    runningWorkflowIds: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
    actionsSkippedOverlap: d.info.numActionsSkippedOverlap,
    actionsMissedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    createdAt: d.info.createdAt,
    ...(d.info.lastUpdatedAt ? { updatedAt: d.info.lastUpdatedAt } : {}),
  };
}

function listEntry(s: ScheduleSummary): ScheduleListEntry {
  const datasetId = s.typedSearchAttributes?.get(DatasetIdKey);
  return {
    scheduleId: s.scheduleId,
    paused: s.state.paused,
    ...(s.state.note ? { note: s.state.note } : {}),
    ...timingOf(s.spec),
    ...(datasetId ? { datasetId } : {}),
    nextRunTimes: s.info.nextActionTimes,
    recentRuns: runsOf(s.info.recentActions),
  };
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
  const query =
    options.datasetId !== undefined ? `${DatasetIdKey.name} = '${options.datasetId.replace(/'/g, "\\'")}'` : undefined;
  const entries: ScheduleListEntry[] = [];
  for await (const s of client.schedule.list(query ? { query } : {})) {
    if (!options.all && s.action?.workflowType !== SCHEDULED_WORKFLOW_TYPE) continue;
    entries.push(listEntry(s));
  }
  return entries.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

/** The visibility query for the runs a schedule started (`client.workflow.list({ query })`). */
export function scheduledRunsQuery(scheduleId: string): string {
  return `${SCHEDULED_BY_ID} = '${scheduleId.replace(/'/g, "\\'")}'`;
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
 */
export async function triggerSchedule(
  client: Client,
  scheduleId: string,
  options: { overlap?: Overlap } = {},
): Promise<void> {
  if (options.overlap !== undefined && !isOverlap(options.overlap)) {
    throw new ScheduleOptionsError([
      {
        field: 'overlap',
        message: `overlap: must be one of ${OVERLAP_NAMES.join(', ')}; got ${JSON.stringify(options.overlap)}`,
      },
    ]);
  }
  await client.schedule.getHandle(scheduleId).trigger(OVERLAP_POLICIES[options.overlap ?? 'allow-all']);
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

function toTime(value: Date | string, field: string, issues: ValidationIssue[]): Date | undefined {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    issues.push({
      field,
      message: `${field}: must be a time such as "2024-05-01T00:00:00Z"; got ${JSON.stringify(value) ?? String(value)}`,
    });
    return undefined;
  }
  return date;
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
  if (options.overlap !== undefined && !isOverlap(options.overlap)) {
    issues.push({
      field: 'overlap',
      message: `overlap: must be one of ${OVERLAP_NAMES.join(', ')}; got ${JSON.stringify(options.overlap)}`,
    });
  }
  if (issues.length > 0 || !start || !end) throw new ScheduleOptionsError(issues);
  await client.schedule
    .getHandle(scheduleId)
    .backfill({ start, end, overlap: OVERLAP_POLICIES[options.overlap ?? 'allow-all'] });
}

export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).delete();
}
