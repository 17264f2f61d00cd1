/**
 * Why a wait is overdue, from what the Temporal server says about its queues (pure: no I/O, unit-tested). The
 * causes are checked in the order an operator fixes them: no worker at all, then the reads queue, then the budget,
 * then the reads themselves.
 */
export const OVERDUE_REASONS = [
  'worker-not-running',
  'no-read-pollers',
  'budget-paused',
  'reads-failing',
  'unknown',
] as const;
export type OverdueReason = (typeof OVERDUE_REASONS)[number];

/** What the server says about the queues a wait depends on, and what the wait itself recorded. */
export interface WaitFacts {
  /** Live workflow pollers on the wait's workflow task queue. */
  workflowPollers: number;
  /** Live activity pollers on its reads budget queue. */
  readPollers: number;
  /** Whether the reads budget is paused (the kill switch). */
  readsPaused: boolean;
  /** Whether the wait recorded that its reads fail (`ModelArtsReadsFailingSince`). */
  readsFailing: boolean;
}

export function classifyOverdue(facts: WaitFacts): OverdueReason {
  if (facts.workflowPollers === 0) return 'worker-not-running';
  if (facts.readPollers === 0) return 'no-read-pollers';
  if (facts.readsPaused) return 'budget-paused';
  if (facts.readsFailing) return 'reads-failing';
  return 'unknown';
}

/** What an operator does about each cause (shown by `modelarts-export overdue`; docs/stuck-waits.md says more). */
export const REMEDY: Record<OverdueReason, string> = {
  'worker-not-running': 'start workers on the task queue (modelarts-export worker)',
  'no-read-pollers': 'start workers that also serve the reads budget queue (same TEMPORAL_TASK_QUEUE, same version)',
  'budget-paused': 'resume the reads budget (modelarts-export budget resume --class reads) when it is safe',
  'reads-failing': 'see the step’s last read error in the Temporal UI (ModelArts down, throttling, credentials)',
  unknown: 'look at the run in the Temporal UI: its pending activity or timer says what it waits for',
};

/**
 * A poller counts as live when the server saw it poll within this long. The server keeps a poller in its list for
 * minutes after it stopped, and a live idle worker re-polls at least every long-poll interval (60 s).
 */
export const POLLER_LIVE_MS = 75_000;

export function livePollerCount(lastAccessTimesMs: readonly (number | undefined)[], nowMs: number): number {
  return lastAccessTimesMs.filter((t) => t !== undefined && nowMs - t <= POLLER_LIVE_MS).length;
}
