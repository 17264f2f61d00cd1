/**
 * ModelArts status values → what the wait loop should do (the `*_STATES` tables). Each API has its own vocabulary
 * (the status tables of the API Reference pages for export, intelligent, version and import tasks): export tasks
 * use strings with the `SUCCESSED`
 * spelling, intelligent tasks and versions use integers, imports use other strings.
 */

export type Outcome = 'succeeded' | 'failed' | 'stopped';
/** Every kind of ModelArts task or resource whose status is polled. */
export type TaskKind = 'export' | 'intelligent' | 'version' | 'import';

export interface TaskState {
  /** No further status change will happen: stop polling. */
  terminal: boolean;
  /** Set exactly when `terminal` is true. */
  outcome?: Outcome;
  /** Short human label for logs, search attributes and the UI. */
  label: string;
  /** The task has not started its work yet; the policy uses this to bound when the work started. */
  queued: boolean;
  /** No table lists this status: the wait goes on for a bounded time (see src/workflows/wait.ts). */
  unknown?: true;
}

const waiting = (label: string): TaskState => ({ terminal: false, label, queued: true });
const working = (label: string): TaskState => ({ terminal: false, label, queued: false });
const done = (outcome: Outcome, label: string): TaskState => ({ terminal: true, outcome, label, queued: false });

export const EXPORT_STATES: Readonly<Record<string, TaskState>> = {
  INIT: waiting('initializing'),
  RUNNING: working('running'),
  SUCCESSED: done('succeeded', 'succeeded'),
  // Not in the documented enum; accepted so a corrected spelling in a future API version does not poll forever.
  SUCCEEDED: done('succeeded', 'succeeded'),
  FAILED: done('failed', 'failed'),
  // Not on the API page, but in an earlier official model: a stop in progress, and its end.
  STOPPING: working('stopping'),
  STOPPED: done('stopped', 'stopped'),
};

export const INTELLIGENT_TASK_STATES: Readonly<Record<number, TaskState>> = {
  [-1]: waiting('queuing'),
  0: waiting('initializing'),
  1: working('running'),
  2: done('failed', 'failed'),
  3: done('succeeded', 'succeeded'),
  4: working('stopping'),
  5: done('stopped', 'stopped'),
};

/** A version is usable at 1 ("running" in the docs means normal); deleting/deleted/error will never become usable. */
export const VERSION_STATES: Readonly<Record<number, TaskState>> = {
  0: working('creating'),
  1: done('succeeded', 'normal'),
  2: done('failed', 'deleting'),
  3: done('failed', 'deleted'),
  4: done('failed', 'error'),
};

export const IMPORT_STATES: Readonly<Record<string, TaskState>> = {
  QUEUING: waiting('queuing'),
  STARTING: waiting('starting'),
  RUNNING: working('running'),
  COMPLETED: done('succeeded', 'completed'),
  FAILED: done('failed', 'failed'),
  NOT_EXIST: done('failed', 'not exist'),
};

// Own keys only: a status such as "constructor" must not resolve to an Object.prototype member.
const lookup = (table: Readonly<Record<string, TaskState>>, key: string): TaskState | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/**
 * Looks a raw status up in the table for `kind`. Numeric kinds also accept numeric strings ("3").
 * An unknown value is reported as non-terminal so the loop keeps polling (bounded by the run's deadline)
 * instead of declaring an outcome it cannot know.
 */
export function describeStatus(kind: TaskKind, status: string | number): TaskState {
  const key = String(status).trim();
  let state: TaskState | undefined;
  switch (kind) {
    case 'export':
      state = lookup(EXPORT_STATES, key.toUpperCase());
      break;
    case 'import':
      state = lookup(IMPORT_STATES, key.toUpperCase());
      break;
    case 'intelligent':
    case 'version': {
      const table = kind === 'intelligent' ? INTELLIGENT_TASK_STATES : VERSION_STATES;
      state = /^-?\d+$/.test(key) ? lookup(table, String(Number(key))) : undefined;
      break;
    }
  }
  return state ?? { terminal: false, label: `unknown status ${key || '(empty)'}`, queued: false, unknown: true };
}

/**
 * A dataset's `status` (modelarts-api.md 7.1) as the wait for a NEW_DATASET export's dataset reads it: usable at 1;
 * 2 deleting, 3 deleted and 4 abnormal never become usable; 0 creating and the busy states (5 synchronizing,
 * 6 releasing, 7 version switching, 8 importing) pass.
 */
export const DATASET_STATES: Readonly<Record<number, TaskState>> = {
  0: waiting('creating'),
  1: done('succeeded', 'normal'),
  2: done('failed', 'deleting'),
  3: done('failed', 'deleted'),
  4: done('failed', 'abnormal'),
  5: working('synchronizing'),
  6: working('releasing'),
  7: working('version switching'),
  8: working('importing'),
};

/** A dataset status looked up in DATASET_STATES; an unknown value is waited on (bounded by the caller). */
export function describeDatasetStatus(status: number): TaskState {
  return (
    lookup(DATASET_STATES, String(status)) ?? {
      terminal: false,
      label: `unknown status ${status}`,
      queued: false,
      unknown: true,
    }
  );
}
