/**
 * The simulator's state on disk (opt-in, `stateFile`): datasets with every task, version and import record, where
 * the id streams stand, and the counters. Records keep absolute epoch-ms times, so a task created before a restart
 * is found after it and its progress follows the wall clock as if nothing had happened. Issued IAM tokens and fault
 * settings are not kept: clients get a new token on the 401, and faults are a test's knob, not the cloud's state.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { behaviorSchema } from './admin.js';
import type { IdsState } from './ids.js';
import type { DatasetRecord } from './store.js';
import type { Counters } from './types.js';

export interface SimulatorState {
  version: 1;
  ids: IdsState;
  datasets: DatasetRecord[];
  counters: Counters;
}

/** A state file that exists but cannot be used. Never discarded silently: it holds the tasks runs wait for. */
export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFileError';
  }
}

// What the simulator relies on when it reads records back; other fields are echoed as they were saved.
const resolvedBehavior = behaviorSchema.required({
  durationMs: true,
  queuedMs: true,
  progress: true,
  steps: true,
  stopMs: true,
});
const record = z.looseObject({
  id: z.string(),
  datasetId: z.string(),
  createdAt: z.number(),
  behavior: resolvedBehavior,
});
const numbers = z.record(z.string(), z.number());

const stateSchema = z.looseObject({
  version: z.literal(1),
  ids: z.strictObject({ ids: z.number(), requests: z.number(), tokens: z.number() }),
  datasets: z.array(
    z.looseObject({
      id: z.string(),
      name: z.string(),
      workPath: z.string(),
      createdAt: z.number(),
      updatedAt: z.number(),
      totalSamples: z.number(),
      annotatedSamples: z.number(),
      behavior: behaviorSchema,
      nextBehaviors: z.array(behaviorSchema),
      exports: z.array(record),
      tasks: z.array(record),
      versions: z.array(record),
      imports: z.array(record),
    }),
  ),
  counters: z.looseObject({
    byDataset: z.record(z.string(), numbers),
    byTask: z.record(z.string(), numbers),
    total: numbers,
    faultsInjected: numbers,
  }),
});

/** The saved state, or undefined when there is no file yet. Throws StateFileError, naming the file, otherwise. */
export function readState(file: string): SimulatorState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(`cannot read the simulator state file ${file}: ${(error as Error).message}`);
  }
  const unusable = (why: string) =>
    new StateFileError(
      `the simulator state file ${file} is not usable (${why}). Fix it, or move it away to start with a fresh ` +
        'simulator (runs still waiting on its tasks will then fail).',
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw unusable(`not JSON: ${(error as Error).message}`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw unusable(`${issue.path.join('.') || 'top level'}: ${issue.message}`);
  }
  return parsed.data as unknown as SimulatorState;
}

/**
 * Keeps the file current. `saveNow` runs before a change is acknowledged (a create survives even SIGKILL right after
 * its answer); `saveSoon` covers what only needs to survive a clean restart (read counters), within `delayMs`.
 * Writes go to a temporary file renamed over the old one, so a crash mid-write leaves the previous state whole.
 */
export class StateSaver {
  private timer: NodeJS.Timeout | undefined;
  private written = '';
  private closed = false;

  constructor(
    readonly file: string,
    private readonly capture: () => SimulatorState,
    private readonly delayMs = 1000,
  ) {}

  saveNow(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const json = JSON.stringify(this.capture());
    // Unchanged since the last write: the request was saved already, or only looked.
    if (json === this.written) return;
    const temp = `${this.file}.tmp`;
    try {
      // The user's alone: datasets, paths and task history of the dev setup.
      writeFileSync(temp, json, { mode: 0o600 });
      renameSync(temp, this.file);
    } catch (error) {
      throw new StateFileError(`cannot write the simulator state file ${this.file}: ${(error as Error).message}`);
    }
    this.written = json;
  }

  saveSoon(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.saveNow();
      } catch (error) {
        console.error(`simulator: ${(error as Error).message}`);
      }
    }, this.delayMs);
    // A pending save must not keep the process alive; close() writes what is left.
    this.timer.unref();
  }

  /** The last write; later changes (answers cut off by the shutdown) are not kept. */
  close(): void {
    try {
      this.saveNow();
    } finally {
      this.closed = true;
    }
  }
}
