/**
 * Time-driven task life cycles. A task stores only its create time and behaviour; its phase and progress are
 * computed when read, so no timers run and a paused process resumes exactly where the clock says it should be.
 */
import type { TaskBehavior } from './types.js';

export interface ResolvedBehavior {
  durationMs: number;
  queuedMs: number;
  progress: TaskBehavior['progress'];
  steps: number;
  fail?: { error_code: string; error_msg: string };
  totalSamples?: number;
  stopMs: number;
  exportRunningStatus?: string;
  exportEndStatus?: 'STOPPED';
  visibleAfterMs?: number;
  newDatasetReadyMs?: number;
  newDatasetAbnormal?: boolean;
}

/** Long enough to watch in the CLI, short enough for a demo. Tests override this with a few hundred ms. */
export const DEFAULT_BEHAVIOR: TaskBehavior = {
  durationMs: 20_000,
  queuedMs: 2_000,
  progress: 'linear',
  steps: 4,
  stopMs: 1_000,
};

/** Later layers win; `fail: undefined` in a later layer clears an earlier failure. */
export function resolveBehavior(...layers: (Partial<TaskBehavior> | undefined)[]): ResolvedBehavior {
  const merged: Partial<TaskBehavior> = {};
  for (const layer of layers) if (layer) Object.assign(merged, layer);
  const durationMs = Math.max(0, merged.durationMs ?? DEFAULT_BEHAVIOR.durationMs);
  return {
    durationMs,
    queuedMs: Math.min(
      durationMs,
      Math.max(0, merged.queuedMs ?? Math.min(DEFAULT_BEHAVIOR.queuedMs!, durationMs / 10)),
    ),
    progress: merged.progress ?? DEFAULT_BEHAVIOR.progress,
    steps: Math.max(1, Math.floor(merged.steps ?? DEFAULT_BEHAVIOR.steps!)),
    ...(merged.fail ? { fail: merged.fail } : {}),
    ...(merged.totalSamples !== undefined ? { totalSamples: merged.totalSamples } : {}),
    stopMs: Math.max(0, merged.stopMs ?? DEFAULT_BEHAVIOR.stopMs!),
    ...(merged.exportRunningStatus ? { exportRunningStatus: merged.exportRunningStatus } : {}),
    ...(merged.exportEndStatus ? { exportEndStatus: merged.exportEndStatus } : {}),
    ...(merged.visibleAfterMs ? { visibleAfterMs: merged.visibleAfterMs } : {}),
    ...(merged.newDatasetReadyMs ? { newDatasetReadyMs: merged.newDatasetReadyMs } : {}),
    ...(merged.newDatasetAbnormal ? { newDatasetAbnormal: true } : {}),
  };
}

export type Phase = 'queued' | 'running' | 'done';

export interface Moment {
  phase: Phase;
  /** Share of the running phase behind us, 0..1 (1 once done). */
  fraction: number;
  /** 0..100 per the progress shape; 100 only once done (and succeeded). */
  progress: number;
  /** Epoch ms when the visible state last changed (the service's `update_time`). */
  changedAt: number;
  startedAt: number;
  endsAt: number;
  /** Queued and running ends: `elapsed` within the queued phase as a share (0..1), to split it into sub-states. */
  queuedFraction: number;
}

const STALL_AT = 0.3;

/** Progress while running, never 100 (that is reserved for the terminal status). Two decimals, rounded down. */
export function shapeProgress(shape: ResolvedBehavior['progress'], fraction: number, steps: number): number {
  const f = Math.min(Math.max(fraction, 0), 1);
  let p: number;
  switch (shape) {
    case 'linear':
      p = f * 100;
      break;
    case 'stepwise':
      // Multiply before dividing: (29 / 100) × 100 is 28.999…, which the two-decimal floor below made 28.99.
      p = (Math.floor(f * steps) * 100) / steps;
      break;
    case 'stalled-then-jump':
      p = Math.min(f, STALL_AT) * 100;
      break;
    case 'none':
      p = 0;
      break;
  }
  return Math.min(Math.floor(p * 100) / 100, 99.99);
}

/** When the shape's visible value last changed, for update_time. */
function lastChange(
  shape: ResolvedBehavior['progress'],
  fraction: number,
  steps: number,
  startedAt: number,
  runMs: number,
  now: number,
): number {
  switch (shape) {
    case 'linear':
      return now;
    case 'stepwise':
      return startedAt + Math.round((Math.floor(fraction * steps) / steps) * runMs);
    case 'stalled-then-jump':
      return fraction < STALL_AT ? now : startedAt + Math.round(STALL_AT * runMs);
    case 'none':
      return startedAt;
  }
}

/** Where a task created at `createdAt` stands at `at` (never later than `stoppedAt` when given). */
export function momentAt(b: ResolvedBehavior, createdAt: number, at: number): Moment {
  const startedAt = createdAt + b.queuedMs;
  const endsAt = createdAt + b.durationMs;
  const runMs = endsAt - startedAt;
  if (at >= endsAt) {
    const frozen = shapeProgress(b.progress, 1, b.steps);
    return {
      phase: 'done',
      fraction: 1,
      // Only a success reaches 100; a failed or stopped task keeps where it was.
      progress: b.fail || b.exportEndStatus ? frozen : 100,
      changedAt: endsAt,
      startedAt,
      endsAt,
      queuedFraction: 1,
    };
  }
  if (at < startedAt) {
    return {
      phase: 'queued',
      fraction: 0,
      progress: 0,
      changedAt: createdAt,
      startedAt,
      endsAt,
      queuedFraction: b.queuedMs > 0 ? (at - createdAt) / b.queuedMs : 1,
    };
  }
  const fraction = runMs > 0 ? (at - startedAt) / runMs : 1;
  return {
    phase: 'running',
    fraction,
    progress: shapeProgress(b.progress, fraction, b.steps),
    changedAt: lastChange(b.progress, fraction, b.steps, startedAt, runMs, at),
    startedAt,
    endsAt,
    queuedFraction: 1,
  };
}
