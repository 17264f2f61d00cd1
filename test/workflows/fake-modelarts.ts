/**
 * The fast workflow tier's stand-in for the activities: an in-process worker runs the real workflow bundle against
 * these stubs, whose status reads follow a script per dataset. No HTTP, no simulator, no child process.
 */
import { BUDGET_CLASSES, budgetQueueName } from '../../src/budget/classes.js';
import { WorkerGroup } from '../../src/worker-group.js';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities/index.js';
import type {
  BusyAnswer,
  StartAnswer,
  StatusObservation,
  StatusRead,
  TaskRef,
  TransientReadFailure,
} from '../../src/activities/types.js';
import { runLocalActivities } from '../../src/activities/placeholders.js';

export const running = (progress: number): Partial<StatusRead> => ({
  status: 'RUNNING',
  label: 'running',
  terminal: false,
  progress,
});
export const succeeded: Partial<StatusRead> = {
  status: 'SUCCESSED',
  label: 'succeeded',
  terminal: true,
  outcome: 'succeeded',
  progress: 100,
};
export const stopped: Partial<StatusRead> = {
  status: 'STOPPED',
  label: 'stopped',
  terminal: true,
  outcome: 'stopped',
  progress: 20,
};
/** A status no table knows, as describeStatus reports it. */
export const unknown = (status: string): Partial<StatusRead> => ({
  status,
  label: `unknown status ${status}`,
  terminal: false,
  unknown: true,
  progress: 0,
});
export const failed = (errorCode: string, errorMsg: string): Partial<StatusRead> => ({
  status: 'FAILED',
  label: 'failed',
  terminal: true,
  outcome: 'failed',
  progress: 30,
  errorCode,
  errorMsg,
});

interface Script {
  /** What each status read returns, in order; the last one repeats. A failed read (`ok: false`) is returned as is. */
  reads?: (Partial<StatusRead> | TransientReadFailure)[];
  /** Thrown by the create (or start) instead of creating. */
  startError?: ApplicationFailure;
  /**
   * The first this-many creates fail as if their answer was lost after the task was made (a retryable error);
   * the retry then finds that task and reattaches, as the real activities do.
   */
  lostAnswers?: number;
  /**
   * The first create hangs without ever heartbeating, as on a worker that died right after taking the task: only the
   * server's heartbeat timer (running from the attempt's start) can notice it.
   */
  hangFirstCreate?: boolean;
  /** Instead of `reads`: the task runs this long from its creation, with linear progress, then succeeds. */
  durationMs?: number;
  /** With `durationMs`: report 0 % and count this many samples instead (finished_sample_count rises linearly). */
  samples?: number;
  /** The first this-many creates answer busy with this refusal (nothing is created), as the real activities do. */
  busy?: { times: number; errorCode: string; reason: string };
  /**
   * The first this-many reads find no such task, as a service whose reads lag its writes: a `fresh` read gets a
   * NotFoundRead, any other read fails as the real activity does (a non-retryable client error with the code).
   */
  notFoundReads?: { times: number; errorCode: string };
  /**
   * Scripted under the new dataset's name: the statuses a NEW_DATASET export's dataset answers to each lookup, in
   * order (the last repeats). Without it a lookup answers no status, as before statuses were returned.
   */
  newDatasetStatuses?: number[];
}

export class FakeModelArts {
  private readonly scripts = new Map<string, Script>();
  private readonly readsByTask = new Map<string, number>();
  private readonly createdAt = new Map<string, number>();
  /** Every activity call, in order: `[name, input]`. */
  readonly calls: [keyof Activities, unknown][] = [];

  script(datasetId: string, script: Script): void {
    this.scripts.set(datasetId, script);
  }

  callsOf(name: keyof Activities): unknown[] {
    return this.calls.filter(([n]) => n === name).map(([, input]) => input);
  }

  private readonly createsByDataset = new Map<string, number>();
  private readonly hung = new Set<string>();

  /** Exports and intelligent tasks get `task-of-{dataset}`; imports `import-of-…`, versions `version-of-…`. */
  private readonly busyByDataset = new Map<string, number>();
  private readonly lookupsByName = new Map<string, number>();

  private started(name: keyof Activities, datasetId: string, input: unknown, prefix = 'task'): StartAnswer {
    this.calls.push([name, input]);
    const script = this.scripts.get(datasetId);
    if (script?.startError) throw script.startError;
    const refused = this.busyByDataset.get(datasetId) ?? 0;
    if (script?.busy && refused < script.busy.times) {
      this.busyByDataset.set(datasetId, refused + 1);
      const { errorCode, reason } = script.busy;
      return { busy: true, errorCode, errorMsg: 'busy (scripted)', reason } satisfies BusyAnswer;
    }
    if (!this.createdAt.has(datasetId)) this.createdAt.set(datasetId, Date.now());
    const n = this.createsByDataset.get(datasetId) ?? 0;
    this.createsByDataset.set(datasetId, n + 1);
    const lost = script?.lostAnswers ?? 0;
    if (n < lost) {
      throw ApplicationFailure.create({
        type: 'ModelArtsTransientError',
        message: 'socket hang up (the task was created; the answer was lost)',
        nextRetryDelay: 100,
      });
    }
    return { taskId: `${prefix}-of-${datasetId}`, reattached: lost > 0 };
  }

  activities(): Activities {
    return {
      createOrReattachExport: async (input) => {
        if (this.scripts.get(input.datasetId)?.hangFirstCreate && !this.hung.has(input.datasetId)) {
          this.hung.add(input.datasetId);
          this.calls.push(['createOrReattachExport', input]);
          await Context.current().cancelled; // only the worker's shutdown ends it
        }
        return this.started('createOrReattachExport', input.datasetId, input);
      },
      startOrReattachTask: async (input) => this.started('startOrReattachTask', input.datasetId, input),
      createOrReattachImport: async (input) => this.started('createOrReattachImport', input.datasetId, input, 'import'),
      publishOrReattachVersion: async (input) =>
        this.started('publishOrReattachVersion', input.datasetId, input, 'version'),
      readStatus: async (ref: TaskRef): Promise<StatusObservation> => {
        this.calls.push(['readStatus', ref]);
        const reads = this.scripts.get(ref.datasetId)?.reads ?? [succeeded];
        const missing = this.scripts.get(ref.datasetId)?.notFoundReads;
        const seen = this.readsByTask.get(ref.taskId) ?? 0;
        this.readsByTask.set(ref.taskId, seen + 1);
        if (missing && seen < missing.times) {
          const message = `HTTP 400 ${missing.errorCode}: the task does not exist (scripted)`;
          if (ref.fresh) return { ok: false, notFound: true, errorCode: missing.errorCode, message };
          throw ApplicationFailure.create({
            type: 'ModelArtsClientError',
            message,
            nonRetryable: true,
            details: [{ httpStatus: 400, errorCode: missing.errorCode }],
          });
        }
        const n = seen - (missing?.times ?? 0);
        const now = Date.now();
        const timed = this.scripts.get(ref.datasetId)?.durationMs;
        const created = this.createdAt.get(ref.datasetId) ?? now;
        if (timed !== undefined) {
          const done = now - created >= timed;
          const samples = this.scripts.get(ref.datasetId)?.samples;
          const fraction = Math.min(1, (now - created) / timed);
          return {
            ok: true,
            queued: false,
            createTimeMs: created,
            readAtMs: now,
            ...(done ? succeeded : running(samples === undefined ? 100 * fraction : 0)),
            ...(samples !== undefined &&
              !done && { totalSampleCount: samples, finishedSampleCount: Math.floor(samples * fraction) }),
          } as StatusRead;
        }
        const scripted = reads[Math.min(n, reads.length - 1)]!;
        if (scripted.ok === false) return scripted;
        return {
          ok: true,
          queued: false,
          createTimeMs: now - 1000,
          readAtMs: now,
          ...running(0),
          ...scripted,
        } as StatusRead;
      },
      stopTask: async (ref: TaskRef) => {
        this.calls.push(['stopTask', ref]);
      },
      resolveDatasetByName: async (input: { name: string }) => {
        this.calls.push(['resolveDatasetByName', input]);
        const statuses = this.scripts.get(input.name)?.newDatasetStatuses;
        const n = this.lookupsByName.get(input.name) ?? 0;
        this.lookupsByName.set(input.name, n + 1);
        const status = statuses?.[Math.min(n, statuses.length - 1)];
        return { datasetId: `id-of-${input.name}`, ...(status !== undefined ? { status } : {}) };
      },
    };
  }
}

export interface InProcessWorker {
  client: Client;
  taskQueue: string;
  fake: FakeModelArts;
  close(): Promise<void>;
}

/** An in-process worker on the suite's dev server, running the built workflow bundle against a FakeModelArts. */
export async function startInProcessWorker(): Promise<InProcessWorker> {
  const address = process.env.TEMPORAL_ADDRESS!;
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const taskQueue = `wf-${randomUUID()}`;
  const fake = new FakeModelArts();
  const connection = await NativeConnection.connect({ address });
  const activities = fake.activities();
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    // The bundle `npm run build` makes: no webpack run per test file.
    workflowBundle: { codePath: path.resolve('dist', 'workflow-bundle.js') },
    // The pipeline's own local activities are real (pure): only ModelArts is faked.
    activities: { ...activities, ...runLocalActivities() },
  });
  // The ModelArts activities run on the budgeted queues (src/budget/classes.ts), as in the real worker.
  const budgeted = await Promise.all(
    BUDGET_CLASSES.map((budgetClass) =>
      Worker.create({ connection, namespace, taskQueue: budgetQueueName(taskQueue, budgetClass), activities }),
    ),
  );
  const group = new WorkerGroup([worker, ...budgeted]);
  const done = group.run();
  const clientConnection = await Connection.connect({ address });
  return {
    client: new Client({ connection: clientConnection, namespace }),
    taskQueue,
    fake,
    close: async () => {
      group.shutdown();
      await done;
      await connection.close();
      await clientConnection.close();
    },
  };
}
