/**
 * Temporal's schedule descriptions in our terms: calendars written back as cron expressions, intervals as `1h`,
 * overlap policies by our names, and the run spec each action starts.
 */
import {
  type CalendarSpecDescription,
  DAYS_OF_WEEK,
  type IntervalSpecDescription,
  MONTHS,
  type Range,
  type ScheduleDescription,
  type ScheduleSpecDescription,
  type ScheduleSummary,
} from '@temporalio/client';
import { overlapName, type Overlap } from '../spec/schedule.js';
import { DatasetIdKey } from '../workflows/search-attributes.js';
import type { PipelineSpec } from '../workflows/types.js';
import { datasetOf } from './runs.js';

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

/** Each cron field's full range, which is written as `*`. */
const FULL_RANGE: Record<string, [number, number]> = {
  second: [0, 59],
  minute: [0, 59],
  hour: [0, 23],
  dayOfMonth: [1, 31],
  month: [1, 12],
  dayOfWeek: [0, 6],
};

function rangeText(ranges: Range<number>[], field: string): string {
  if (ranges.length === 0) return '*';
  const full = FULL_RANGE[field];
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

/** A schedule's full description: timing, policies, spec, next run times, recent runs and counters. */
export function scheduleInfoOf(d: ScheduleDescription): ScheduleInfo {
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

/** A schedule as the list (visibility) reports it. */
export function scheduleListEntryOf(s: ScheduleSummary): ScheduleListEntry {
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
