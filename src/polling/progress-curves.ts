/**
 * Pure progress curves for evaluating the polling policy in virtual time (see replay.ts).
 * Each curve maps elapsed running time to the `progress` (0..100) a ModelArts task would report.
 */

export type ProgressShape =
  /** progress rises smoothly: 100·t/D (what a float `finished/total` with many samples looks like). */
  | { kind: 'linear' }
  /** progress moves in `steps` equal jumps and is floored between them, so it under-reports true progress. */
  | { kind: 'stepwise'; steps: number }
  /**
   * progress rises like `linear` until it reaches `stuckAt` (default 0, i.e. it never moves), stays there, and
   * jumps to 100 at `stallFraction`·D; the task still finishes at D.
   */
  | { kind: 'stalled-then-jump'; stallFraction: number; stuckAt?: number }
  /** progress stays 0 until the task finishes. */
  | { kind: 'none' }
  /**
   * progress moves in `percentSteps` equal jumps as `stepwise`, and the task also reports `finished_sample_count`
   * of `total` samples, rising one sample at a time (finer than the percentage when total > percentSteps).
   */
  | { kind: 'samples'; total: number; percentSteps: number };

export const linear: ProgressShape = { kind: 'linear' };
export const none: ProgressShape = { kind: 'none' };
export const stepwise = (steps: number): ProgressShape => ({ kind: 'stepwise', steps });
export const withSamples = (total: number, percentSteps = 100): ProgressShape => ({
  kind: 'samples',
  total,
  percentSteps,
});
export const stalledThenJump = (stallFraction: number, stuckAt = 0): ProgressShape => ({
  kind: 'stalled-then-jump',
  stallFraction,
  stuckAt,
});

/** Human-readable name, e.g. `stepwise(10)`, for tables. */
export function shapeName(shape: ProgressShape): string {
  switch (shape.kind) {
    case 'linear':
    case 'none':
      return shape.kind;
    case 'stepwise':
      return `stepwise(${shape.steps})`;
    case 'samples':
      return `stepwise(${shape.percentSteps})+${shape.total}-samples`;
    case 'stalled-then-jump':
      return shape.stuckAt
        ? `stalled-at-${shape.stuckAt}%-then-jump(${shape.stallFraction})`
        : `stalled-then-jump(${shape.stallFraction})`;
  }
}

/** Progress (0..100) reported `tMs` after the task started running, for a task that runs `durationMs`. */
export function progressAt(shape: ProgressShape, tMs: number, durationMs: number): number {
  if (tMs <= 0) return 0;
  if (tMs >= durationMs) return 100;
  const fraction = tMs / durationMs;
  switch (shape.kind) {
    case 'linear':
      return 100 * fraction;
    case 'stepwise':
      // Multiply before dividing so exact step boundaries (e.g. 3/10) do not fall one step short in floating point.
      return (100 * Math.floor((tMs * shape.steps) / durationMs)) / shape.steps;
    case 'samples':
      return (100 * Math.floor((tMs * shape.percentSteps) / durationMs)) / shape.percentSteps;
    case 'stalled-then-jump':
      return fraction >= shape.stallFraction ? 100 : Math.min(100 * fraction, shape.stuckAt ?? 0);
    case 'none':
      return 0;
  }
}

/** Samples finished and in all `tMs` after the task started running, for shapes that report them. */
export function samplesAt(
  shape: ProgressShape,
  tMs: number,
  durationMs: number,
): { finishedSampleCount: number; totalSampleCount: number } | undefined {
  if (shape.kind !== 'samples') return undefined;
  const finished = tMs <= 0 ? 0 : tMs >= durationMs ? shape.total : Math.floor((tMs * shape.total) / durationMs);
  return { finishedSampleCount: finished, totalSampleCount: shape.total };
}
