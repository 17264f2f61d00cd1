/**
 * Intelligent tasks report `create_time` as "2020-11-23 11:08:20", with no zone, and no document says which one.
 * Read as UTC it may be off by whole hours (a service running on local time). When we know the task was created
 * after some instant (the step that started it began then), the offset can be undone: of the readings shifted by a
 * whole number of hours, the right one is the earliest that is not before that instant.
 */

const HOUR_MS = 3_600_000;
/** Clock difference between our workers and ModelArts that is not an offset of whole hours. */
export const CLOCK_SKEW_MS = 120_000;
/** UTC−14 to UTC+14: every offset in use. */
const OFFSETS_H = Array.from({ length: 29 }, (_, i) => i - 14);

/**
 * "YYYY-MM-DD HH:MM:SS" read as UTC; undefined when it does not parse. Epoch milliseconds (a number, or a string of
 * digits, which the answer check also accepts) are taken as they are.
 */
export function parseTaskTime(value: string | number | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(`${value.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The task's creation time in epoch ms. With `notBeforeMs` (the task was created after it), the reading is
 * corrected by the whole-hour offset that puts it at or just after that instant; without, it is taken as UTC.
 */
export function taskCreateTimeMs(value: string | number | undefined, notBeforeMs?: number): number | undefined {
  const utc = parseTaskTime(value);
  if (utc === undefined || notBeforeMs === undefined) return utc;
  const candidates = OFFSETS_H.map((h) => utc - h * HOUR_MS).filter((t) => t >= notBeforeMs - CLOCK_SKEW_MS);
  return candidates.length > 0 ? Math.min(...candidates) : utc;
}

/** Whether a task reading `value` can have been created within [fromMs, toMs] under some whole-hour offset. */
export function createdWithin(value: string | number | undefined, fromMs: number, toMs: number): boolean {
  const utc = parseTaskTime(value);
  if (utc === undefined) return false;
  return OFFSETS_H.some((h) => {
    const t = utc - h * HOUR_MS;
    return t >= fromMs - CLOCK_SKEW_MS && t <= toMs + CLOCK_SKEW_MS;
  });
}
