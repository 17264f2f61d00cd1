/** The two non-epoch time formats the APIs use. */

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Intelligent tasks report `create_time` as `"2020-11-23 11:08:20"`, with no zone. The docs do not say which zone;
 * the simulator uses UTC unless told an offset.
 */
export function taskTime(ms: number, offsetMinutes = 0): string {
  const d = new Date(ms + offsetMinutes * 60_000);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** IAM writes microseconds: `2015-11-09T01:42:57.527363Z`. We have milliseconds, so the last three digits are 0. */
export function iamTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
