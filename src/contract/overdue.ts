/**
 * When a wait's planned read counts as overdue: late by more than max(2 × the planned delay, 60 s). Shared by the
 * wait (which records the time in a search attribute) and the exporter (which reads it back).
 */
export const OVERDUE_FLOOR_MS = 60_000;

/** The time after which a read planned at `plannedAtMs`, `delayMs` after it was planned, is overdue. */
export function overdueAtMs(plannedAtMs: number, delayMs: number): number {
  return plannedAtMs + Math.max(2 * Math.max(0, delayMs), OVERDUE_FLOOR_MS);
}
