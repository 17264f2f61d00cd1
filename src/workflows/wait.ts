/**
 * The durable wait: a short status activity, then a workflow timer whose length the polling policy chooses,
 * until ModelArts reports a terminal status. Survives worker and server restarts (it is just workflow state),
 * continues-as-new to keep history small, and honours a deadline.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  log,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { firstReadDelayMs, nextDelay, readAfterWriteGraceOf } from '../polling/policy.js';
import type { StatusObservation, StatusRead, TaskRef } from '../activities/types.js';
import { FAILURE, type StepEndDetails } from '../contract/failures.js';
import { modelArts, optionsFor } from './activities-proxy.js';
import { TaskStatusKey } from './search-attributes.js';
import { ReadPlan } from './read-plan.js';
import { DEFAULT_TENANT } from '../budget/classes.js';
import type { StepProgress, StepResume } from './types.js';
import type { StepBudget } from '../budget/classes.js';
import type { StepState } from './step-state.js';

/** About 11 history events per read (12 with the read plan): 15 reads keep a run under 200 events. */
export const DEFAULT_MAX_READS_PER_RUN = 15;
/**
 * A run that records its read plan also continues-as-new once its history reaches this length at a wake: status
 * changes, failing marks and the plan's upserts then cannot push a run past 200 events (one more read cycle and the
 * continue-as-new add at most 15).
 */
export const HISTORY_EVENTS_BEFORE_CONTINUE = 180;

export interface WaitContext {
  ref: TaskRef;
  resume: StepResume;
  /** The step's progress and its wake and move requests (step-state.ts). */
  state: StepState;
  maxReadsPerRun: number;
  /** How long a status no document lists is waited out. */
  unknownStatusLimitMs: number;
  /** Malformed answers in a row after which the step fails (default DEFAULT_MALFORMED_READ_LIMIT). */
  malformedReadLimit?: number;
  /** How long status reads may keep failing, of any kind, before the step fails (DEFAULT_FAILED_READ_LIMIT_MS). */
  failedReadLimitMs?: number;
  /** Continue-as-new with the given resume state (never returns). */
  continueAsNew: (resume: StepResume) => Promise<never>;
  /** The request budget the reads are counted against (src/budget/classes.ts). */
  budget?: StepBudget;
  /**
   * Continue-as-new onto the deployment's current version (Worker Versioning): called when the server says this
   * pinned run's target version changed, so a long wait reaches new code at its next wake without replaying old
   * history on it.
   */
  upgrade: (resume: StepResume) => Promise<never>;
}

/** A number for the details, or `?`: nothing a read carries may fail the workflow task that shows it. */
const shown = (value: unknown, digits?: number): string =>
  typeof value !== 'number' || !Number.isFinite(value)
    ? '?'
    : digits === undefined
      ? String(value)
      : value.toFixed(digits);

function describeDetails(p: StepProgress, read?: StatusRead): string {
  const lines = [`**${p.kind}** task \`${p.taskId ?? '…'}\` on dataset \`${p.datasetId}\``];
  if (read) {
    const samples =
      read.totalSampleCount !== undefined
        ? ` · ${shown(read.finishedSampleCount ?? 0)}/${shown(read.totalSampleCount)} samples`
        : '';
    lines.push(`Status **${String(read.status)}** (${String(read.label)}) · ${shown(read.progress, 1)}%${samples}`);
  }
  if (p.waitingFor) lines.push(`waiting: ${p.waitingFor}`);
  const next = p.nextReadAtMs ? ` · next read ${new Date(p.nextReadAtMs).toISOString()}` : '';
  const eta = p.etaAtMs ? ` · estimated finish ${new Date(p.etaAtMs).toISOString()}` : '';
  lines.push(`Status reads: ${p.statusReads}${next}${eta}`);
  return lines.join('\n\n');
}

/** The API each kind is read from (shown as the read's summary in the Temporal UI). */
const READ_PATHS: Record<TaskRef['kind'], string> = {
  export: 'export-tasks',
  intelligent: 'tasks',
  import: 'import-tasks',
  version: 'versions',
};

/**
 * The task to read: marked `fresh` while this step's own create is younger than the policy's read-after-write
 * grace, so that "does not exist" comes back as an answer to read again rather than failing the read. A task
 * reattached to or waited on (someone else's, or an earlier attempt's) gets no grace, nor does one past it.
 */
function refToRead(ctx: WaitContext): TaskRef {
  const { resume, ref } = ctx;
  if (resume.createdAtMs === undefined || resume.reattached) return ref;
  if (Date.now() >= resume.createdAtMs + readAfterWriteGraceOf(resume.policy)) return ref;
  return { ...ref, fresh: true };
}

function readStatus(ref: TaskRef, budget?: StepBudget): Promise<StatusObservation> {
  const path = READ_PATHS[ref.kind];
  return modelArts.readStatus.executeWithOptions(
    optionsFor('readStatus', {
      summary: `GET /v2/{project_id}/datasets/${ref.datasetId}/${path}/${ref.taskId}`,
      budget,
    }),
    [ref],
  );
}

/** Records a successful read: one log line and one search-attribute update per status transition, not per read. */
function record(ctx: WaitContext, read: StatusRead): void {
  const { resume } = ctx;
  const { progress } = ctx.state;
  if (read.status !== resume.lastStatus) {
    log.info('task status changed', {
      taskId: ctx.ref.taskId,
      from: resume.lastStatus ?? null,
      to: read.status,
      label: read.label,
      progress: read.progress,
    });
    resume.lastStatus = read.status;
    upsertSearchAttributes([{ key: TaskStatusKey, value: read.status }]);
  }
  progress.status = read.status;
  progress.progress = read.progress;
  progress.totalSampleCount = read.totalSampleCount;
  progress.finishedSampleCount = read.finishedSampleCount;
}

export const DEFAULT_UNKNOWN_STATUS_LIMIT_MS = 30 * 60_000;
/** Malformed status answers in a row that end the step: a proxy can garble one or two, not five. */
export const DEFAULT_MALFORMED_READ_LIMIT = 5;
/** How long status reads may keep failing (HTML, 5xx, network, 429) before the step fails. */
export const DEFAULT_FAILED_READ_LIMIT_MS = 60 * 60_000;

/**
 * What is wrong with a read that says it is fine but carries fields of the wrong type (from an activity that did
 * not check its answer, say an older worker's); undefined when it is sound.
 */
function unsoundRead(read: StatusRead): string | undefined {
  const numbers: [string, unknown][] = [
    ['progress', read.progress],
    ['createTimeMs', read.createTimeMs],
    ['readAtMs', read.readAtMs],
  ];
  for (const [field, value] of numbers) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return `${field}: expected a number, got ${typeof value}`;
  }
  for (const [field, value] of [
    ['totalSampleCount', read.totalSampleCount],
    ['finishedSampleCount', read.finishedSampleCount],
  ] as const) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value)))
      return `${field}: expected a number, got ${typeof value}`;
  }
  if (typeof read.status !== 'string') return `status: expected a string, got ${typeof read.status}`;
  return undefined;
}

/** A read that is ok but unsound, as the malformed failed read it is. */
function screened(ctx: WaitContext, observation: StatusObservation): StatusObservation {
  if (!observation.ok) return observation;
  const problem = unsoundRead(observation);
  if (!problem) return observation;
  return {
    ok: false,
    malformed: true,
    message: `the status read of ${ctx.ref.kind} task ${ctx.ref.taskId} returned a malformed result: ${problem}`,
  };
}

/**
 * Failed reads do not go on for ever: malformed answers end the step after `malformedReadLimit` in a row (a
 * garbled answer or two heal, a service that keeps answering so does not), and failed reads of any kind after
 * `failedReadLimitMs` of nothing but failures. A sound read resets both. The counters live in StepResume, so they
 * survive continue-as-new; they are absent (zero) in runs started before they existed.
 */
function checkFailedReads(ctx: WaitContext, observation: StatusObservation): void {
  const { resume, ref } = ctx;
  if (observation.ok) {
    resume.malformedReads = undefined;
    resume.failingSinceMs = undefined;
    return;
  }
  const now = Date.now();
  resume.failingSinceMs ??= now;
  resume.malformedReads =
    'malformed' in observation && observation.malformed ? (resume.malformedReads ?? 0) + 1 : undefined;
  const malformedLimit = ctx.malformedReadLimit ?? DEFAULT_MALFORMED_READ_LIMIT;
  const timeLimitMs = ctx.failedReadLimitMs ?? DEFAULT_FAILED_READ_LIMIT_MS;
  const forMs = now - resume.failingSinceMs;
  let failure: { type: string; message: string } | undefined;
  if ((resume.malformedReads ?? 0) >= malformedLimit) {
    failure = {
      type: FAILURE.malformedAnswer,
      message:
        `${ref.kind} task ${ref.taskId}: ModelArts answered ${resume.malformedReads} status reads in a row in a shape ` +
        `the API does not document; giving up (the task may still be running at ModelArts). The last: ${observation.message}`,
    };
  } else if (forMs >= timeLimitMs) {
    failure = {
      type: FAILURE.readsFailing,
      message:
        `${ref.kind} task ${ref.taskId}: status reads have failed for ${Math.round(forMs / 1000)} s ` +
        `(limit ${Math.round(timeLimitMs / 1000)} s); giving up (the task may still be running at ModelArts). ` +
        `The last error: ${observation.message}`,
    };
  }
  if (!failure) return;
  const details: StepEndDetails = {
    taskId: ref.taskId,
    datasetId: ref.datasetId,
    leftRunning: ref.kind !== 'intelligent' ? ref.taskId : undefined,
    errorCode: observation.errorCode,
  };
  throw ApplicationFailure.create({ ...failure, nonRetryable: true, details: [details] });
}

/**
 * A status that no document lists (say a new one the service starts answering) is not polled until the deadline:
 * it is said once in the log, and waited out for a bounded time in case it passes, then the step fails saying so.
 */
function checkUnknownStatus(ctx: WaitContext, read: StatusRead): void {
  const { resume, ref } = ctx;
  if (!read.unknown) {
    resume.unknownSinceMs = undefined;
    return;
  }
  if (resume.unknownSinceMs === undefined) {
    resume.unknownSinceMs = Date.now();
    log.warn('task answers a status no ModelArts document lists; waiting a bounded time for a known one', {
      taskId: ref.taskId,
      status: read.status,
      limitMs: ctx.unknownStatusLimitMs,
    });
  }
  const forMs = Date.now() - resume.unknownSinceMs;
  if (forMs < ctx.unknownStatusLimitMs) return;
  const details: StepEndDetails = {
    taskId: ref.taskId,
    datasetId: ref.datasetId,
    // Only an intelligent task can be stopped; the others keep running at ModelArts.
    leftRunning: ref.kind !== 'intelligent' ? ref.taskId : undefined,
  };
  throw ApplicationFailure.create({
    type: FAILURE.unknownStatus,
    message:
      `${ref.kind} task ${ref.taskId} has answered status "${read.status}", which no ModelArts document lists, ` +
      `for ${Math.round(forMs / 1000)} s; giving up waiting (the task may still be running at ModelArts)`,
    nonRetryable: true,
    details: [details],
  });
}

/**
 * Whether a drain asked this run to move (the moveToCurrentVersion signal). An unversioned worker has no version to
 * move to (it still reports a build id, but no deployment name): there the signal is only a wake.
 */
function onVersionedWorker(): boolean {
  return Boolean(workflowInfo().currentDeploymentVersion?.deploymentName);
}

/** Continues-as-new onto the deployment's target version (never returns). */
async function move(ctx: WaitContext, asked: boolean): Promise<never> {
  log.info('continuing as new on the target worker version', { statusReads: ctx.resume.statusReads, asked });
  await condition(allHandlersFinished);
  return ctx.upgrade(ctx.resume);
}

/**
 * The wait's one checkpoint, at each wake: it consumes a drain's move request and moves to the deployment's target
 * version when the server says it is no longer this run's, or when a drain asked (a wake served from the sticky
 * queue may lack the server's mark; with no new target, the continued run just lands on the current version).
 * Given the reads this run made, it then continues-as-new when the history is large; after the move check, as a
 * plain continue-as-new would keep the run pinned to the version it leaves.
 *
 * `targetWorkerDeploymentVersionChanged` is marked @experimental in the SDK (1.24, packages/workflow
 * interfaces.ts): the upgrade path of pinned steps relies on it, so an SDK upgrade must keep the upgrade chaos
 * scenario and test/integration/upgrade.test.ts green.
 */
async function checkpoint(ctx: WaitContext, readsThisRun?: number, boundByLength = false): Promise<void> {
  const asked = ctx.state.takeMove() && onVersionedWorker();
  if (asked || workflowInfo().targetWorkerDeploymentVersionChanged) await move(ctx, asked);
  if (readsThisRun === undefined) return;
  const long = boundByLength && workflowInfo().historyLength >= HISTORY_EVENTS_BEFORE_CONTINUE;
  if (readsThisRun >= ctx.maxReadsPerRun || long || workflowInfo().continueAsNewSuggested) {
    await condition(allHandlersFinished);
    await ctx.continueAsNew(ctx.resume);
  }
}

/**
 * The status read, given up when a drain asks the run to move meanwhile: a read can queue behind the request budget
 * for minutes, and the run would stay on the old version until it is served. The new version reads instead.
 * Adds no command unless the signal comes, so older histories replay unchanged.
 */
async function readOrMove(ctx: WaitContext): Promise<StatusObservation> {
  // Only a versioned worker moves: elsewhere the read is just the read (the same commands, two scopes fewer per read).
  if (!onVersionedWorker()) return readStatus(refToRead(ctx), ctx.budget);
  const readScope = new CancellationScope();
  const watchScope = new CancellationScope();
  const reading = readScope.run(() => readStatus(refToRead(ctx), ctx.budget));
  const asked = watchScope.run(() => condition(() => ctx.state.moveIsRequested && onVersionedWorker()));
  let first: StatusObservation | undefined; // the race handles both promises' rejections (cancellations)
  try {
    first = await Promise.race([reading, asked.then(() => undefined)]);
  } finally {
    watchScope.cancel();
  }
  if (first) return first;
  readScope.cancel();
  ctx.state.takeMove();
  return move(ctx, true);
}

/** Waits until the task is terminal and returns the final read. Throws DeadlineExceeded past the deadline. */
export async function waitForTerminal(ctx: WaitContext): Promise<StatusRead> {
  const { ref, resume } = ctx;
  const { progress } = ctx.state;
  let readsThisRun = 0;
  const plan = new ReadPlan(ctx.budget?.tenant ?? DEFAULT_TENANT);
  let firstReadPlanned = false;

  // With a duration prior, a task this step just created is first read shortly before the prior's earliest finish:
  // a read at creation would only say 0 %. A reattached task (created earlier) is read at once.
  if (resume.statusReads === 0 && !resume.reattached && resume.pollState.prior) {
    let delayMs = firstReadDelayMs(resume.pollState.prior, resume.policy);
    if (resume.deadlineAtMs !== undefined) delayMs = Math.min(delayMs, Math.max(0, resume.deadlineAtMs - Date.now()));
    if (delayMs > 0) {
      progress.nextReadAtMs = Date.now() + delayMs;
      plan.planned(delayMs);
      firstReadPlanned = true;
      setCurrentDetails(describeDetails(progress));
      await ctx.state.sleep(delayMs, 'first status read (prior)');
      await checkpoint(ctx);
    }
  }

  for (;;) {
    if (resume.deadlineAtMs !== undefined && Date.now() >= resume.deadlineAtMs) {
      throw ApplicationFailure.create({
        type: FAILURE.deadlineExceeded,
        message: `${ref.kind} task ${ref.taskId} did not finish before the deadline ${new Date(resume.deadlineAtMs).toISOString()}`,
        nonRetryable: true,
      });
    }

    // The first read of a step is due now (a continued run carries the plan made before its last sleep).
    if (resume.statusReads === 0 && !firstReadPlanned) {
      plan.planned(0);
      firstReadPlanned = true;
    }
    const observation = screened(ctx, await readOrMove(ctx));
    resume.statusReads += 1;
    readsThisRun += 1;
    progress.statusReads = resume.statusReads;
    const ended = observe(ctx, observation);
    if (ended) {
      plan.ended();
      return ended;
    }

    const decision = nextDelay(
      resume.pollState,
      observation.ok
        ? {
            progress: observation.progress,
            createTimeMs: observation.createTimeMs,
            nowMs: observation.readAtMs,
            queued: observation.queued,
            // Finer than the percentage when there are enough samples (src/polling/policy.ts progressOf).
            finishedSampleCount: observation.finishedSampleCount,
            totalSampleCount: observation.totalSampleCount,
          }
        : { transient: true, retryAfterMs: 'notFound' in observation ? undefined : observation.retryAfterMs },
      resume.policy,
      Math.random, // deterministic inside the workflow sandbox
      resume.deadlineAtMs !== undefined ? resume.deadlineAtMs - Date.now() : undefined,
    );
    resume.pollState = decision.state;
    progress.nextReadAtMs = Date.now() + decision.delayMs;
    progress.etaAtMs = decision.etaMs;
    setCurrentDetails(describeDetails(progress, observation.ok ? observation : undefined));
    // A sound answer moves the plan; a failed read leaves it, so reads failing everywhere make the wait overdue.
    if (observation.ok || 'notFound' in observation) plan.planned(decision.delayMs);
    else if (resume.failingSinceMs !== undefined) plan.failing(resume.failingSinceMs);

    // The server may tell of a new target version on any task (on a wake's, or the read's after it): moving
    // before the sleep keeps a woken wait from sleeping on the old version for another planned delay.
    await checkpoint(ctx);
    await ctx.state.sleep(decision.delayMs, `next status read (${decision.reason})`);
    // (Only runs that record the plan are bound by length: older histories replay as they ran.)
    await checkpoint(ctx, readsThisRun, plan.recording);
  }
}

/** Takes in one read: records it and checks its limits; returns the read when the task ended. */
function observe(ctx: WaitContext, observation: StatusObservation): StatusRead | undefined {
  const { ref } = ctx;
  const { progress } = ctx.state;
  if (observation.ok) {
    progress.waitingFor = undefined;
    record(ctx, observation);
    checkUnknownStatus(ctx, observation);
    if (observation.terminal) {
      progress.nextReadAtMs = undefined;
      progress.etaAtMs = undefined;
      setCurrentDetails(describeDetails(progress, observation));
      return observation;
    }
  } else if ('notFound' in observation) {
    // Within the grace after our own create: the service may not show the task yet (a read behind a write).
    if (progress.waitingFor === undefined)
      log.info('the task just created is not visible yet; reading again', {
        taskId: ref.taskId,
        code: observation.errorCode,
      });
    progress.waitingFor = `ModelArts to show the task it just created (it answers ${observation.errorCode})`;
  } else {
    log.debug('status read failed; will read again', { taskId: ref.taskId, error: observation.message });
  }
  checkFailedReads(ctx, observation);
  return undefined;
}
