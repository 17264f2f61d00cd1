/**
 * Step workflows: one ModelArts task each, as a child of the pipeline (its own row in the Temporal UI).
 * `exportStep` creates (or reattaches to) an export task; `intelligentTaskStep` starts or reattaches to an
 * intelligent task, or waits for an existing one; `importStep` creates (or reattaches to) an import task;
 * `publishVersionStep` publishes (or reattaches to) a dataset version and waits until it is usable.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { DEFAULT_POLICY, initialPollState, priorOf, validatePolicy, type PollPolicy } from '../polling/policy.js';
import type { StatusRead, TaskRef } from '../activities/types.js';
import { FAILURE, leftBehind, type StepEndDetails } from '../contract/failures.js';
import { modelArts, optionsFor } from './activities-proxy.js';
import {
  moveToCurrentVersionSignal,
  pollPolicySignal,
  setPollPolicyUpdate,
  stepProgressQuery,
  stepTaskSignal,
} from './definitions.js';
import { descriptionWithMarker, withMarker } from './marker.js';
import { startWhenNotBusy, waitForNewDataset } from './service-waits.js';
import { DatasetIdKey, TaskIdKey } from './search-attributes.js';
import type {
  ExportStepSpec,
  ImportStepSpec,
  PublishVersionStepSpec,
  StepInput,
  StepProgress,
  StepResult,
  StepResume,
} from './types.js';
import { DEFAULT_MAX_READS_PER_RUN, DEFAULT_UNKNOWN_STATUS_LIMIT_MS, waitForTerminal } from './wait.js';

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

/** Handlers, progress and resume state every step shares. */
function setUpStep(input: StepInput) {
  const now = Date.now();
  const resume: Partial<StepResume> & { policy: PollPolicy; statusReads: number; startedAtMs: number } =
    input.resume ?? {
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
  const progress: StepProgress = {
    index: input.index,
    kind: input.spec.kind,
    datasetId: input.spec.datasetId,
    taskId: resume.taskId,
    status: resume.lastStatus,
    phase: resume.taskId ? 'waiting' : 'starting',
    progress: 0,
    statusReads: resume.statusReads,
    startedAtMs: resume.startedAtMs,
  };
  const wake = { pending: false, move: false };
  const applyPolicy = (patch: Partial<PollPolicy>) => {
    resume.policy = mergePolicy(resume.policy, patch);
    wake.pending = true;
    return resume.policy;
  };
  setHandler(stepProgressQuery, () => progress);
  setHandler(setPollPolicyUpdate, applyPolicy, {
    validator: (patch) => void mergePolicy(resume.policy, patch),
  });
  setHandler(pollPolicySignal, (patch) => {
    try {
      applyPolicy(patch);
    } catch (err) {
      log.warn('ignored invalid poll policy', { error: (err as Error).message });
    }
  });
  // A signal handler adds no commands: histories recorded before it existed replay unchanged.
  setHandler(moveToCurrentVersionSignal, () => {
    wake.move = true;
    wake.pending = true;
  });
  // The pipeline sets the dataset id when it starts the step; a step started on its own sets it here.
  if (!input.resume && workflowInfo().typedSearchAttributes.get(DatasetIdKey) === undefined) {
    upsertSearchAttributes([{ key: DatasetIdKey, value: input.spec.datasetId }]);
  }
  return { resume, progress, wake };
}

/**
 * Starting a task is never cut short by a cancel: the task may already exist at ModelArts, and the step must know
 * its id to stop it (or report it left running) instead of forgetting it.
 */
function uncancellable<T>(fn: () => Promise<T>): Promise<T> {
  return CancellationScope.nonCancellable(fn);
}

/** Tells the pipeline (when there is one) which task this step works on. Never cut short by a cancel. */
async function tellParent(input: StepInput, taskId: string, reattached: boolean): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  await uncancellable(() =>
    getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(stepTaskSignal, {
      index: input.index,
      taskId,
      reattached,
    }),
  );
}

/** Records the task on the step (and, for steps started by 0.1.0, tells the pipeline at once). */
async function adoptTask(
  input: StepInput,
  resume: Partial<StepResume>,
  taskId: string,
  reattached: boolean,
): Promise<void> {
  resume.taskId = taskId;
  resume.reattached = reattached;
  // A task this step created may be missing from the service's reads for a moment (wait.ts readAfterWriteGrace).
  if (!reattached) resume.createdAtMs = Date.now();
  upsertSearchAttributes([{ key: TaskIdKey, value: taskId }]);
  if (input.tellParent !== 'on-cancel') await tellParent(input, taskId, reattached);
}

function failedTask(ref: TaskRef, read: StatusRead, partial: StepResult): never {
  const reason =
    read.outcome === 'stopped'
      ? 'stopped at ModelArts, not by this run'
      : [read.errorCode, read.errorMsg].filter(Boolean).join(' ') || 'no error details given';
  throw ApplicationFailure.create({
    type: FAILURE.taskFailed,
    message: `${ref.kind === 'version' ? 'version' : `${ref.kind} task`} ${ref.taskId} on dataset ${ref.datasetId} ended ${read.status}: ${reason}`,
    nonRetryable: true,
    details: [partial],
  });
}

function resultOf(input: StepInput, ref: TaskRef, resume: StepResume, read: StatusRead): StepResult {
  return {
    index: input.index,
    kind: input.spec.kind,
    workflowId: workflowInfo().workflowId,
    datasetId: ref.datasetId,
    taskId: ref.taskId,
    status: read.status,
    outcome: read.outcome ?? 'failed',
    outputPath: read.path,
    totalSampleCount: read.totalSampleCount,
    finishedSampleCount: read.finishedSampleCount,
    reattached: resume.reattached,
    statusReads: resume.statusReads,
    elapsedMs: Date.now() - resume.startedAtMs,
    progressStep: resume.pollState.quantum,
    errorCode: read.errorCode,
    errorMsg: read.errorMsg,
  };
}

/** Continues this step on the deployment's current version (the workflow type stays the same). */
function upgradeByContinueAsNew(next: StepInput): Promise<never> {
  return makeContinueAsNewFunc<(input: StepInput) => Promise<StepResult>>({
    initialVersioningBehavior: 'AUTO_UPGRADE',
  })(next);
}

/** Waits, and turns cancellation and deadlines into honest reports about the task left behind. */
async function waitWithCleanup(
  input: StepInput,
  ref: TaskRef,
  state: ReturnType<typeof setUpStep> & { resume: StepResume },
  continueAsNew: (next: StepInput) => Promise<never>,
): Promise<StatusRead> {
  try {
    return await waitForTerminal({
      ref,
      resume: state.resume,
      progress: state.progress,
      wake: state.wake,
      maxReadsPerRun: input.wait.maxReadsPerRun ?? DEFAULT_MAX_READS_PER_RUN,
      unknownStatusLimitMs: input.wait.unknownStatusLimitMs ?? DEFAULT_UNKNOWN_STATUS_LIMIT_MS,
      malformedReadLimit: input.wait.malformedReadLimit,
      failedReadLimitMs: input.wait.failedReadLimitMs,
      continueAsNew: (resume) => continueAsNew({ ...input, resume }),
      budget: input.budget,
      upgrade: (resume) => upgradeByContinueAsNew({ ...input, resume }),
    });
  } catch (err) {
    const deadline = err instanceof ApplicationFailure && err.type === FAILURE.deadlineExceeded;
    if (!isCancellation(err) && !deadline) throw err;
    const { what, leftRunning } = leftBehind(input.spec.kind, ref.taskId);
    if (leftRunning) {
      log.warn(`${ref.kind} task left running: ModelArts has no API to cancel it`, { taskId: ref.taskId });
    } else if (input.spec.kind === 'intelligent-task') {
      // This step started the task, so it stops it; the stop must run although this scope is being cancelled.
      await uncancellable(() =>
        modelArts.stopTask.executeWithOptions(
          optionsFor('stopTask', {
            summary: `POST /v2/{project_id}/datasets/${ref.datasetId}/tasks/${ref.taskId}/stop`,
            budget: input.budget,
          }),
          [ref],
        ),
      );
      log.info('intelligent task stopped', { taskId: ref.taskId });
    }
    // (A wait-task step's task was started by someone else and is theirs to stop: only the wait ends.)
    if (deadline) {
      const details: StepEndDetails = { taskId: ref.taskId, datasetId: ref.datasetId, leftRunning };
      throw ApplicationFailure.create({
        type: FAILURE.deadlineExceeded,
        message: `${(err as Error).message}; ${what}`,
        nonRetryable: true,
        details: [details],
      });
    }
    // A cancelled workflow's failure message does not reach the client (the SDK reports a bare cancellation), so
    // what was left behind is also kept in the memo, where `awaitRun` and the Temporal UI show it.
    const cancellation = { message: `cancelled; ${what}`, taskId: ref.taskId, datasetId: ref.datasetId, leftRunning };
    upsertMemo({ cancellation });
    if (input.tellParent === 'on-cancel') await tellParent(input, ref.taskId, state.resume.reattached);
    throw new CancelledFailure(cancellation.message, [cancellation]);
  }
}

export async function exportStep(input: StepInput): Promise<StepResult> {
  const spec = input.spec as ExportStepSpec & { datasetId: string };
  const state = setUpStep(input);
  const request = { ...spec.request, path: withMarker(spec.request.path ?? '', input.marker) };

  if (!state.resume.taskId) {
    const started = await startWhenNotBusy(state, 'export task', spec.datasetId, () =>
      modelArts.createOrReattachExport.executeWithOptions(
        optionsFor('createOrReattachExport', {
          summary: `POST /v2/{project_id}/datasets/${spec.datasetId}/export-tasks (or reattach)`,
          deadlineAtMs: state.resume.deadlineAtMs,
          budget: input.budget,
        }),
        [{ datasetId: spec.datasetId, request }],
      ),
    );
    log.info(started.reattached ? 'reattached to export task' : 'created export task', { taskId: started.taskId });
    await adoptTask(input, state.resume, started.taskId, started.reattached);
  }
  const resume = state.resume as StepResume;
  const ref: TaskRef = { kind: 'export', datasetId: spec.datasetId, taskId: resume.taskId };
  state.progress.taskId = ref.taskId;
  state.progress.phase = 'waiting';

  const read = await waitWithCleanup(input, ref, { ...state, resume }, makeContinueAsNewFunc<typeof exportStep>());
  const result: StepResult = {
    ...resultOf(input, ref, resume, read),
    outputPath: read.path ?? request.path,
    ...(spec.request.version_id ? { versionId: spec.request.version_id } : {}),
  };
  if (read.outcome !== 'succeeded') failedTask(ref, read, result);

  const params = spec.request.export_params;
  if (params?.export_dest === 'NEW_DATASET' && params.export_new_dataset_name) {
    state.progress.phase = 'resolving';
    const name = params.export_new_dataset_name;
    const resolve = () =>
      modelArts.resolveDatasetByName.executeWithOptions(
        optionsFor('resolveDatasetByName', {
          summary: `GET /v2/{project_id}/datasets?search_content=${name}`,
          budget: input.budget,
        }),
        [{ name }],
      );
    // The next step uses the dataset only once it is usable (status 1), not merely listed.
    const dataset = await waitForNewDataset(state, { name, exportTaskId: ref.taskId }, await resolve(), resolve);
    result.newDatasetId = dataset.datasetId;
    result.newDatasetName = params.export_new_dataset_name;
  }
  state.progress.phase = 'done';
  return result;
}

export async function intelligentTaskStep(input: StepInput): Promise<StepResult> {
  const { spec } = input;
  const state = setUpStep(input);

  if (!state.resume.taskId) {
    if (spec.kind === 'wait-task') {
      await adoptTask(input, state.resume, spec.taskId, true);
    } else if (spec.kind === 'intelligent-task') {
      const request = {
        ...spec.request,
        config: {
          ...spec.request.config,
          description: descriptionWithMarker(spec.request.config?.description, input.marker),
        },
      };
      const started = await startWhenNotBusy(state, `${spec.request.task_type} task`, spec.datasetId, () =>
        modelArts.startOrReattachTask.executeWithOptions(
          optionsFor('startOrReattachTask', {
            summary: `POST /v2/{project_id}/datasets/${spec.datasetId}/tasks (or reattach)`,
            deadlineAtMs: state.resume.deadlineAtMs,
            budget: input.budget,
          }),
          [{ datasetId: spec.datasetId, request, marker: input.marker, stepStartedAtMs: state.resume.startedAtMs }],
        ),
      );
      log.info(started.reattached ? 'reattached to intelligent task' : 'started intelligent task', {
        taskId: started.taskId,
      });
      await adoptTask(input, state.resume, started.taskId, started.reattached);
    } else {
      throw ApplicationFailure.nonRetryable(`intelligentTaskStep cannot run a ${spec.kind} step`, FAILURE.invalidSpec);
    }
  }
  const ref: TaskRef = {
    kind: 'intelligent',
    datasetId: spec.datasetId,
    taskId: state.resume.taskId!,
    // A task this step started was created after the step began: that fixes create_time's unknown zone.
    ...(spec.kind === 'intelligent-task' ? { createdAfterMs: state.resume.startedAtMs } : {}),
  };
  const { result } = await waitToEnd(input, ref, state, makeContinueAsNewFunc<typeof intelligentTaskStep>());
  return result;
}

/** Runs a started task's wait to its end: the shared tail of the intelligent-task, import and publish-version steps. */
async function waitToEnd(
  input: StepInput,
  ref: TaskRef,
  state: ReturnType<typeof setUpStep>,
  continueAsNew: (next: StepInput) => Promise<never>,
): Promise<{ read: StatusRead; result: StepResult }> {
  const resume = state.resume as StepResume;
  state.progress.taskId = ref.taskId;
  state.progress.phase = 'waiting';
  const read = await waitWithCleanup(input, ref, { ...state, resume }, continueAsNew);
  const result = resultOf(input, ref, resume, read);
  if (read.outcome !== 'succeeded') failedTask(ref, read, result);
  state.progress.phase = 'done';
  return { read, result };
}

export async function importStep(input: StepInput): Promise<StepResult> {
  const spec = input.spec as ImportStepSpec & { datasetId: string };
  const state = setUpStep(input);

  if (!state.resume.taskId) {
    const started = await startWhenNotBusy(state, 'import task', spec.datasetId, () =>
      modelArts.createOrReattachImport.executeWithOptions(
        optionsFor('createOrReattachImport', {
          summary: `POST /v2/{project_id}/datasets/${spec.datasetId}/import-tasks (or reattach)`,
          deadlineAtMs: state.resume.deadlineAtMs,
          budget: input.budget,
        }),
        [{ datasetId: spec.datasetId, request: spec.request, stepStartedAtMs: state.resume.startedAtMs }],
      ),
    );
    log.info(started.reattached ? 'reattached to import task' : 'created import task', { taskId: started.taskId });
    await adoptTask(input, state.resume, started.taskId, started.reattached);
  }
  const ref: TaskRef = { kind: 'import', datasetId: spec.datasetId, taskId: state.resume.taskId! };
  const { result } = await waitToEnd(input, ref, state, makeContinueAsNewFunc<typeof importStep>());
  return result;
}

export async function publishVersionStep(input: StepInput): Promise<StepResult> {
  const spec = input.spec as PublishVersionStepSpec & { datasetId: string };
  const state = setUpStep(input);

  if (!state.resume.taskId) {
    const request = { ...spec.request, description: descriptionWithMarker(spec.request.description, input.marker) };
    const started = await startWhenNotBusy(state, 'version', spec.datasetId, () =>
      modelArts.publishOrReattachVersion.executeWithOptions(
        optionsFor('publishOrReattachVersion', {
          summary: `POST /v2/{project_id}/datasets/${spec.datasetId}/versions (or reattach)`,
          deadlineAtMs: state.resume.deadlineAtMs,
          budget: input.budget,
        }),
        [{ datasetId: spec.datasetId, request, marker: input.marker, stepStartedAtMs: state.resume.startedAtMs }],
      ),
    );
    log.info(started.reattached ? 'reattached to version' : 'created version', { versionId: started.taskId });
    await adoptTask(input, state.resume, started.taskId, started.reattached);
  }
  const ref: TaskRef = { kind: 'version', datasetId: spec.datasetId, taskId: state.resume.taskId! };
  const { read, result } = await waitToEnd(input, ref, state, makeContinueAsNewFunc<typeof publishVersionStep>());
  // The manifest path is where the version's annotations live: the "output" of a release.
  return { ...result, versionId: ref.taskId, versionName: read.versionName, outputPath: read.path };
}
