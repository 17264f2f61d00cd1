/** Intelligent tasks' zone-less create_time, read robustly to a whole-hour offset (src/activities/task-time.ts). */
import { createdWithin, parseTaskTime, taskCreateTimeMs } from '../../src/activities/task-time.js';

const HOUR = 3_600_000;
const created = Date.UTC(2026, 10, 30, 9, 15, 30);
/** What a service on UTC+h prints for `ms`. */
const shown = (ms: number, h: number) => new Date(ms + h * HOUR).toISOString().slice(0, 19).replace('T', ' ');

describe('create_time', () => {
  it.each([0, 1, 2, 8, -5, -10, 14])('recovers the real time from a service %d hours off UTC', (h) => {
    // The step began 20 s before the task was created.
    expect(taskCreateTimeMs(shown(created, h), created - 20_000)).toBe(created);
  });

  it('takes the reading as UTC when nothing bounds it, and rejects what does not parse', () => {
    expect(taskCreateTimeMs(shown(created, 2))).toBe(created + 2 * HOUR);
    expect(parseTaskTime('yesterday')).toBeUndefined();
    expect(taskCreateTimeMs(undefined, created)).toBeUndefined();
  });

  it('tells whether a task can have been created in a window, whatever whole-hour offset its service uses', () => {
    const from = created - 60_000;
    const to = created + 60_000;
    for (const h of [-7, 0, 3]) expect(createdWithin(shown(created, h), from, to)).toBe(true);
    // Created 20 minutes before the window: no whole-hour offset explains it.
    expect(createdWithin(shown(created - 20 * 60_000, 3), from, to)).toBe(false);
  });
});
