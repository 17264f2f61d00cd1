/**
 * Time placeholders in export paths, filled in once when a run starts, from the run's own time:
 *
 *   {date} 2024-05-31   {time} 020000   {datetime} 20240531T020000Z
 *   {year} 2024   {month} 05   {day} 31   {hour} 02   {minute} 00
 *
 * The time is the run's *scheduled* time when a Temporal Schedule started it (the `TemporalScheduledStartTime` search
 * attribute the server sets on the run), else the time the run was started (`workflowInfo().startTime`, the time of
 * its WorkflowExecutionStarted event). Both are fixed in the run's history, so the expansion is deterministic: replay
 * and retries give the same folder, and every scheduled slot (including backfilled ones) gets its own.
 *
 * Time zone: UTC, unless the spec names one (`timezone`, which `createSchedule` fills with the schedule's time zone),
 * so a daily 00:30 Europe/Berlin schedule writes to that Berlin date. `{datetime}` is always UTC (it ends in `Z`).
 *
 * Placeholders are allowed in an export step's `request.path`, `export_params.export_new_dataset_name` and
 * `export_params.export_new_dataset_work_path`. Pure functions only: this module runs inside the workflow sandbox
 * (no Node built-ins, no I/O, no commands).
 */
import type { SearchAttributes, TypedSearchAttributes } from '@temporalio/common';
import type { PipelineSpec, StepSpec } from '../workflows/types.js';

export const PLACEHOLDER_NAMES = ['date', 'time', 'datetime', 'year', 'month', 'day', 'hour', 'minute'] as const;
export type PlaceholderName = (typeof PLACEHOLDER_NAMES)[number];

/** `{date}, {time}, …` for messages. */
export const ALLOWED_PLACEHOLDERS = PLACEHOLDER_NAMES.map((n) => `{${n}}`).join(', ');

/** The search attribute Temporal sets on runs a Schedule starts (Datetime). */
export const SCHEDULED_START_TIME = 'TemporalScheduledStartTime';

const TOKEN = /\{([^{}]*)\}/g;

const isPlaceholderName = (name: string): name is PlaceholderName =>
  (PLACEHOLDER_NAMES as readonly string[]).includes(name);

/** Whether the text has anything that looks like a placeholder (`{...}`). */
export function hasPlaceholders(text: string): boolean {
  return /\{[^{}]*\}/.test(text);
}

/** Placeholder names used in the text that are not among PLACEHOLDER_NAMES, in order of appearance, without repeats. */
export function unknownPlaceholders(text: string): string[] {
  const unknown: string[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const name = match[1] ?? '';
    if (!isPlaceholderName(name) && !unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

interface Clock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function utcClock(at: Date): Clock {
  return {
    year: at.getUTCFullYear(),
    month: at.getUTCMonth() + 1,
    day: at.getUTCDate(),
    hour: at.getUTCHours(),
    minute: at.getUTCMinutes(),
    second: at.getUTCSeconds(),
  };
}

/** Wall-clock fields of `at` in an IANA time zone (Intl is part of the language, so it is available in workflows). */
function zonedClock(at: Date, timeZone: string): Clock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const field = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour') % 24,
    minute: field('minute'),
    second: field('second'),
  };
}

function isUtc(timeZone: string | undefined): boolean {
  return timeZone === undefined || timeZone === '' || /^(?:utc|etc\/utc|gmt|etc\/gmt|z)$/i.test(timeZone);
}

/** The value of every placeholder at `at`. */
export function placeholderValues(at: Date, timeZone?: string): Record<PlaceholderName, string> {
  const c = isUtc(timeZone) ? utcClock(at) : zonedClock(at, timeZone!);
  const u = utcClock(at);
  return {
    date: `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}`,
    time: `${pad(c.hour)}${pad(c.minute)}${pad(c.second)}`,
    datetime: `${pad(u.year, 4)}${pad(u.month)}${pad(u.day)}T${pad(u.hour)}${pad(u.minute)}${pad(u.second)}Z`,
    year: pad(c.year, 4),
    month: pad(c.month),
    day: pad(c.day),
    hour: pad(c.hour),
    minute: pad(c.minute),
  };
}

/**
 * Replaces every known placeholder with its value at `at`. Unknown ones are left as they are (validation rejects
 * them before a run starts); `unknown` replaces them instead, which validation uses to check the rest of the text.
 */
export function expandPlaceholders(text: string, at: Date, timeZone?: string, unknown?: string): string {
  if (!hasPlaceholders(text)) return text;
  const values = placeholderValues(at, timeZone);
  return text.replace(TOKEN, (whole, name: string) =>
    isPlaceholderName(name) ? values[name] : unknown !== undefined ? unknown : whole,
  );
}

/** Where placeholders may appear in a step, as paths below `steps[i].request` (for messages and validation). */
export const PLACEHOLDER_FIELDS = [
  ['path'],
  ['export_params', 'export_new_dataset_name'],
  ['export_params', 'export_new_dataset_work_path'],
] as const;

function expandStep(step: StepSpec, at: Date, timeZone: string | undefined): StepSpec {
  if (step.kind !== 'export') return step;
  const { request } = step;
  const params = request.export_params;
  const expand = (value: string | undefined) =>
    value === undefined ? undefined : expandPlaceholders(value, at, timeZone);
  const path = expand(request.path)!;
  const name = expand(params?.export_new_dataset_name);
  const workPath = expand(params?.export_new_dataset_work_path);
  if (
    path === request.path &&
    name === params?.export_new_dataset_name &&
    workPath === params?.export_new_dataset_work_path
  ) {
    return step;
  }
  return {
    ...step,
    request: {
      ...request,
      path,
      ...(params
        ? {
            export_params: {
              ...params,
              ...(name !== undefined ? { export_new_dataset_name: name } : {}),
              ...(workPath !== undefined ? { export_new_dataset_work_path: workPath } : {}),
            },
          }
        : {}),
    },
  };
}

/** The spec with every placeholder filled in for a run at `at`; the same object when there is nothing to fill in. */
export function expandSpecPlaceholders(spec: PipelineSpec, at: Date): PipelineSpec {
  const steps = spec.steps.map((step) => expandStep(step, at, spec.timezone));
  return steps.every((step, i) => step === spec.steps[i]) ? spec : { ...spec, steps };
}

function toDate(value: unknown): Date | undefined {
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  const date = first instanceof Date ? first : typeof first === 'string' ? new Date(first) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/**
 * The scheduled time of a run a Schedule started, from its search attributes (typed when the server tags the type,
 * as current servers do; the untyped map otherwise); undefined for runs started any other way.
 */
export function scheduledStartTime(info: {
  typedSearchAttributes?: TypedSearchAttributes;
  searchAttributes?: SearchAttributes;
}): Date | undefined {
  const typed = info.typedSearchAttributes
    ?.getAll()
    .find((pair) => pair.key.name === SCHEDULED_START_TIME && pair.key.type === 'DATETIME')?.value;
  return toDate(typed) ?? toDate(info.searchAttributes?.[SCHEDULED_START_TIME]);
}

/** The time placeholders are filled from: the scheduled time, else the run's start time. */
export function placeholderTime(info: {
  typedSearchAttributes?: TypedSearchAttributes;
  searchAttributes?: SearchAttributes;
  startTime: Date;
}): Date {
  return scheduledStartTime(info) ?? info.startTime;
}
