/**
 * What a step workflow holds while it runs, in one place (the shape of samples-typescript's safe-message-handlers
 * `ClusterManager`): the resume state it carries across continue-as-new, the progress its query answers, and the
 * wake and move requests its handlers make. The handlers only call methods; the wait loop reads the requests
 * through methods that also consume them.
 *
 * The resume state is typed by phase: `StartingResume` until a task is adopted, `StepResume` from then on.
 */
import { ApplicationFailure, condition, log, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { DEFAULT_POLICY, initialPollState, priorOf, validatePolicy, type PollPolicy } from '../polling/policy.js';
import { FAILURE } from '../contract/failures.js';
import { moveToCurrentVersionSignal, pollPolicySignal, setPollPolicyUpdate, stepProgressQuery } from './definitions.js';
import { START_RETRY_BUDGET_MS } from '../contract/activity-options.js';
import type { StepInput, StepProgress, StepResume } from './types.js';

/** A step's resume state before it has a task: `taskId` and `reattached` come with the task. */
export type StartingResume = Omit<StepResume, 'taskId' | 'reattached'> &
  Partial<Pick<StepResume, 'taskId' | 'reattached'>>;

/** Applies a (possibly partial) policy change; nested groups are merged field by field. */
export function mergePolicy(current: PollPolicy, patch: Partial<PollPolicy>): PollPolicy {
  const next: PollPolicy = {
    ...current,
    ...patch,
    detectionTolerance: { ...current.detectionTolerance, ...patch.detectionTolerance },
    errorBackoff: { ...current.errorBackoff, ...patch.errorBackoff },
  };
  const problems = validatePolicy(next);
  if (problems.length > 0)
    throw ApplicationFailure.nonRetryable(`invalid poll policy: ${problems.join('; ')}`, FAILURE.invalidPolicy);
  return next;
}

/** A step's own prior number (the pipeline passes a number; an array here is taken as not given). */
const stepNumber = (v: number | number[] | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

/** The resume state of a step that starts now (not continued from an earlier run). */
function freshResume(input: StepInput): StartingResume {
  const now = Date.now();
  return {
    startedAtMs: now,
    deadlineAtMs: input.wait.deadlineMs !== undefined ? now + input.wait.deadlineMs : undefined,
    statusReads: 0,
    pollState: initialPollState(
      priorOf(
        stepNumber(input.wait.expectedDurationMs),
        stepNumber(input.wait.shortestDurationMs),
        typeof input.wait.progressStep === 'number' ? input.wait.progressStep : undefined,
      ),
    ),
    policy: mergePolicy(DEFAULT_POLICY, input.wait.policy ?? {}),
  };
}

const clock = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;

export class StepState {
  readonly resume: StartingResume;
  readonly progress: StepProgress;
  /** A policy change or a drain's signal ends the current sleep early (the wait re-plans). */
  private wakeRequested = false;
  /** A drain asked this run to move to the deployment's current version (moveToCurrentVersion). */
  private moveRequested = false;

  constructor(input: StepInput) {
    this.resume = input.resume ?? freshResume(input);
    this.progress = {
      index: input.index,
      kind: input.spec.kind,
      datasetId: input.spec.datasetId,
      taskId: this.resume.taskId,
      status: this.resume.lastStatus,
      phase: this.resume.taskId ? 'waiting' : 'starting',
      progress: 0,
      statusReads: this.resume.statusReads,
      startedAtMs: this.resume.startedAtMs,
    };
  }

  /** The progress query, the policy update and signal, and the drain's move signal. */
  installHandlers(): void {
    setHandler(stepProgressQuery, () => this.progress);
    setHandler(setPollPolicyUpdate, (patch) => this.applyPolicy(patch), {
      validator: (patch) => void mergePolicy(this.resume.policy, patch),
    });
    setHandler(pollPolicySignal, (patch) => {
      try {
        this.applyPolicy(patch);
      } catch (err) {
        log.warn('ignored invalid poll policy', { error: err instanceof Error ? err.message : String(err) });
      }
    });
    // A signal handler adds no commands: histories recorded before it existed replay unchanged.
    setHandler(moveToCurrentVersionSignal, () => this.requestMove());
  }

  applyPolicy(patch: Partial<PollPolicy>): PollPolicy {
    this.resume.policy = mergePolicy(this.resume.policy, patch);
    this.requestWake();
    return this.resume.policy;
  }

  requestWake(): void {
    this.wakeRequested = true;
  }

  requestMove(): void {
    this.moveRequested = true;
    this.wakeRequested = true;
  }

  /** Whether a drain asked to move; the request stays until `takeMove`. */
  get moveIsRequested(): boolean {
    return this.moveRequested;
  }

  /** Whether a drain asked to move, clearing the request. */
  takeMove(): boolean {
    const asked = this.moveRequested;
    this.moveRequested = false;
    return asked;
  }

  /** Sleeps on a durable timer until `delayMs` passed or a wake was requested; consumes the wake. */
  async sleep(delayMs: number, summary: string): Promise<void> {
    await condition(() => this.wakeRequested, delayMs, { summary });
    this.wakeRequested = false;
  }

  /** Sleeps saying what for (in the current details and the progress query): the service waits' sleep. */
  async sleepWaitingFor(delayMs: number, waitingFor: string, summary: string): Promise<void> {
    const { progress } = this;
    progress.waitingFor = waitingFor;
    progress.nextReadAtMs = Date.now() + delayMs;
    setCurrentDetails(
      `**${progress.kind}** step on dataset \`${progress.datasetId}\`\n\n` +
        `waiting: ${waitingFor}; next try ${clock(progress.nextReadAtMs)}`,
    );
    await this.sleep(delayMs, summary);
  }

  /** Ends a service wait: the progress query no longer says what the step waits for, nor when it tries next. */
  doneWaiting(): void {
    this.progress.waitingFor = undefined;
    this.progress.nextReadAtMs = undefined;
  }

  /** When the service waits give up: the step's deadline, or START_RETRY_BUDGET_MS after the step began. */
  serviceWaitLimitAtMs(): number {
    return this.resume.deadlineAtMs ?? this.resume.startedAtMs + START_RETRY_BUDGET_MS;
  }

  /** The resume state with its task, when the step has one (continued from an earlier run, or adopted). */
  adopted(): StepResume | undefined {
    const { taskId, reattached } = this.resume;
    if (taskId === undefined) return undefined;
    return Object.assign(this.resume, { taskId, reattached: reattached ?? false });
  }

  /** Records the task this step works on from now on. */
  adopt(taskId: string, reattached: boolean): StepResume {
    // A task this step created may be missing from the service's reads for a moment (wait.ts readAfterWriteGrace).
    return Object.assign(
      this.resume,
      reattached ? { taskId, reattached } : { taskId, reattached, createdAtMs: Date.now() },
    );
  }
}
