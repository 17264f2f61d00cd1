/**
 * Checks for schedule settings, run on the client before anything is created: cron expressions (the grammar the
 * Temporal server accepts, see its service/worker/scheduler/calendar.go), interval durations, IANA time zones,
 * overlap policies, schedule ids and times. The single-value checks return a problem description (without the field
 * name) or undefined when the value is fine; `checkTiming` and `toTime` collect issues that name their field.
 */
import type { ValidationIssue } from '../modelarts/errors.js';
import { parseDuration } from './duration.js';

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

type Mode = 'int' | 'month' | 'dow';

interface CronField {
  name: string;
  min: number;
  max: number;
  mode: Mode;
}

const SECOND: CronField = { name: 'second', min: 0, max: 59, mode: 'int' };
const MINUTE: CronField = { name: 'minute', min: 0, max: 59, mode: 'int' };
const HOUR: CronField = { name: 'hour', min: 0, max: 23, mode: 'int' };
const DAY_OF_MONTH: CronField = { name: 'day of month', min: 1, max: 31, mode: 'int' };
const MONTH: CronField = { name: 'month', min: 1, max: 12, mode: 'month' };
const DAY_OF_WEEK: CronField = { name: 'day of week', min: 0, max: 7, mode: 'dow' };
const YEAR: CronField = { name: 'year', min: 2000, max: 2100, mode: 'int' };

const LAYOUTS: Record<number, CronField[]> = {
  5: [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK],
  6: [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR],
  7: [SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR],
};

const SHORTHANDS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Go-style durations as the server parses them in `@every` (`1h`, `90m`, `1h30m`, `2d`). */
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))+$/;

function parseValue(text: string, field: CronField, min: number): number | string {
  const lower = text.toLowerCase();
  if (field.mode === 'month' && lower.length >= 3) {
    const i = MONTHS.findIndex((m) => m.startsWith(lower));
    if (i >= 0) return i + 1;
  }
  if (field.mode === 'dow' && lower.length >= 2) {
    const i = DAYS.findIndex((d) => d.startsWith(lower));
    if (i >= 0) return i;
  }
  if (!/^\d+$/.test(text)) return `"${text}" is not a number${field.mode === 'int' ? '' : ' or name'}`;
  const n = Number(text);
  if (n < min || n > field.max) return `${n} is out of range ${min}-${field.max}`;
  return n;
}

function checkField(text: string, field: CronField): string | undefined {
  for (const part of text.split(',')) {
    let range = part;
    const slash = part.split('/');
    if (slash.length > 2) return `${field.name} "${text}": malformed step`;
    if (slash.length === 2) {
      range = slash[0]!;
      if (!/^\d+$/.test(slash[1]!) || Number(slash[1]) < 1) {
        return `${field.name} "${text}": the step after "/" must be a whole number >= 1`;
      }
    }
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2 || bounds.some((b) => b === '')) return `${field.name} "${text}": malformed range`;
    const start = parseValue(bounds[0]!, field, field.min);
    if (typeof start === 'string') return `${field.name} "${text}": ${start}`;
    if (bounds.length === 2) {
      const end = parseValue(bounds[1]!, field, start);
      if (typeof end === 'string') return `${field.name} "${text}": ${end}`;
    }
  }
  return undefined;
}

/**
 * Checks one cron expression: 5 fields (minute hour day-of-month month day-of-week), 6 (+ year) or 7 (second first,
 * + year); `@daily`-style shorthands; `@every 1h[/15m]`; an optional `CRON_TZ=Zone ` prefix and `# comment` suffix.
 */
export function cronProblem(expression: string): string | undefined {
  let text = expression.trim();
  if (text === '') return 'is empty';
  const hash = text.indexOf('#');
  if (hash >= 0) text = text.slice(0, hash).trim();
  if (/^(?:CRON_TZ|TZ)=/.test(text)) {
    const space = text.indexOf(' ');
    if (space < 0) return 'has a time zone prefix but no schedule';
    const zone = text.slice(text.indexOf('=') + 1, space);
    const problem = timeZoneProblem(zone);
    if (problem) return `time zone prefix: ${problem}`;
    text = text.slice(space + 1).trim();
  }
  if (text.startsWith('@every')) {
    const [interval, phase, ...rest] = text.slice('@every'.length).trim().split('/');
    if (
      !interval ||
      rest.length > 0 ||
      !GO_DURATION.test(interval) ||
      (phase !== undefined && !GO_DURATION.test(phase))
    )
      return '"@every" needs a duration such as "@every 1h" or "@every 1h/15m"';
    return undefined;
  }
  if (text.startsWith('@')) {
    return SHORTHANDS.includes(text) ? undefined : `unknown shorthand "${text}"; allowed: ${SHORTHANDS.join(', ')}`;
  }
  const fields = text.split(/\s+/);
  const layout = LAYOUTS[fields.length];
  if (!layout) {
    return `must have 5 fields (minute hour day-of-month month day-of-week), 6 (+ year) or 7 (second first); got ${fields.length}`;
  }
  for (const [i, field] of layout.entries()) {
    const problem = checkField(fields[i]!, field);
    if (problem) return problem;
  }
  return undefined;
}

/** An IANA time zone name, as `Intl` knows it (`UTC`, `Europe/Berlin`, `Asia/Shanghai`). */
export function timeZoneProblem(zone: string): string | undefined {
  if (zone.trim() === '') return 'must be an IANA time zone such as "UTC" or "Europe/Berlin"; got ""';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `must be an IANA time zone such as "UTC" or "Europe/Berlin"; got "${zone}"`;
  }
}

/** A schedule interval (`every`): a duration of at least one second (`30s`, `15m`, `1h`, `2d`), in milliseconds. */
export function parseInterval(text: string): number | undefined {
  const ms = parseDuration(text);
  return ms !== undefined && ms >= 1000 && /[a-z]$/i.test(text.trim()) ? ms : undefined;
}

export const INTERVAL_HINT = 'must be a duration of at least 1s such as "30s", "15m", "1h" or "2d"';

/** Overlap policies as users write them, and the SDK's names. */
export const OVERLAP_POLICIES = {
  skip: 'SKIP',
  'buffer-one': 'BUFFER_ONE',
  'buffer-all': 'BUFFER_ALL',
  'cancel-other': 'CANCEL_OTHER',
  'terminate-other': 'TERMINATE_OTHER',
  'allow-all': 'ALLOW_ALL',
} as const;
export type Overlap = keyof typeof OVERLAP_POLICIES;
export const OVERLAP_NAMES = Object.keys(OVERLAP_POLICIES) as Overlap[];

export function isOverlap(value: unknown): value is Overlap {
  return typeof value === 'string' && value in OVERLAP_POLICIES;
}

/** SDK name (`BUFFER_ONE`) → our name (`buffer-one`). */
export function overlapName(policy: string | undefined): Overlap {
  const found = OVERLAP_NAMES.find((name) => OVERLAP_POLICIES[name] === policy);
  return found ?? 'skip';
}

/** A problem with an `overlap` option, naming the field; undefined when it is absent or fine. */
export function overlapIssue(value: unknown): ValidationIssue | undefined {
  if (value === undefined || isOverlap(value)) return undefined;
  return {
    field: 'overlap',
    message: `overlap: must be one of ${OVERLAP_NAMES.join(', ')}; got ${JSON.stringify(value)}`,
  };
}

/** How late a missed run may still start: a duration of at least 10 seconds, in milliseconds. */
export function parseCatchupWindow(text: string): number | undefined {
  const ms = parseDuration(text);
  return ms !== undefined && ms >= 10_000 ? ms : undefined;
}

export const CATCHUP_WINDOW_HINT = 'must be a duration of at least 10s such as "10m", "6h" or "2d"';

/** Schedule ids end up in workflow ids and visibility queries: keep them to safe characters. */
const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;

export function scheduleIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string' || !SCHEDULE_ID.test(id)) {
    return `must be 1-200 characters: letters, digits, ".", "_", ":", "@", "-" (starting with a letter or digit); got ${JSON.stringify(id) ?? String(id)}`;
  }
  return undefined;
}

/** The time zone a `CRON_TZ=` / `TZ=` prefix of the first expression names (the placeholders' zone without `timezone`). */
export function cronTimeZone(cron: string[] | undefined): string | undefined {
  const first = cron?.[0];
  return typeof first === 'string' ? /^\s*(?:CRON_TZ|TZ)=(\S+)\s/.exec(first)?.[1] : undefined;
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

/** The timing given, in the units Temporal takes. */
export interface CheckedTiming {
  cron?: string[];
  everyMs?: number;
  timezone?: string;
  catchupWindowMs?: number;
}

/** Checks the timing options, adding an issue per bad field; `requireWhen`: cron or every must be given (create). */
export function checkTiming(t: ScheduleTiming, issues: ValidationIssue[], requireWhen: boolean): CheckedTiming {
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
  const overlap = overlapIssue(t.overlap);
  if (overlap) issues.push(overlap);
  if (t.catchupWindow !== undefined) {
    const ms = typeof t.catchupWindow === 'string' ? parseCatchupWindow(t.catchupWindow) : undefined;
    if (ms === undefined) {
      issues.push({
        field: 'catchupWindow',
        message: `catchupWindow: ${CATCHUP_WINDOW_HINT}; got ${JSON.stringify(t.catchupWindow)}`,
      });
    }
    out.catchupWindowMs = ms;
  }
  return out;
}

/** A Date or an ISO 8601 time as a Date; adds an issue naming `field` when it is not a time. */
export function toTime(value: Date | string, field: string, issues: ValidationIssue[]): Date | undefined {
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
