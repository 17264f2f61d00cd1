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
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { StartAnswer, StatusRead, TaskRef } from '../activities/types.js';
import type { ModelArtsActivity } from '../contract/activity-options.js';
import { FAILURE, leftBehind, type StepEndDetails } from '../contract/failures.js';
import { modelArts, optionsFor } from './activities-proxy.js';
import { stepTaskSignal } from './definitions.js';
import { descriptionWithMarker, withMarker } from './marker.js';
import { startWhenNotBusy, waitForNewDataset } from './service-waits.js';
import { DatasetIdKey, TaskIdKey } from './search-attributes.js';
import { isSealedRun, searchValue } from './search-values.js';
import { StepState, type StartingResume } from './step-state.js';
import type { StepInput, StepResult, StepResume, StepSpec } from './types.js';
import { DEFAULT_MAX_READS_PER_RUN, DEFAULT_UNKNOWN_STATUS_LIMIT_MS, waitForTerminal } from './wait.js';

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

/**
 * Records the task on the step (and, for steps started by 0.1.0, tells the pipeline at once). `hashed`: the task
 * id's keyed hash from the start activity's answer, which a sealed run stores as it is.
 */
async function adoptTask(
  input: StepInput,
  state: StepState,
  taskId: string,
  reattached: boolean,
  hashed?: string,
): Promise<StepResume> {
  const resume = state.adopt(taskId, reattached);
  // An unsealed run sets the id as it is, with no scope to run; a sealed one may need a local activity.
  const value = !isSealedRun() ? taskId : (hashed ?? (await uncancellable(() => searchValue(TaskIdKey, taskId))));
  upsertSearchAttributes([{ key: TaskIdKey, value }]);
  if (input.tellParent !== 'on-cancel') await tellParent(input, taskId, reattached);
  return resume;
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
  state: StepState,
  resume: StepResume,
  continueAsNew: (next: StepInput) => Promise<never>,
): Promise<StatusRead> {
  try {
    return await waitForTerminal({
      ref,
      resume,
      state,
      maxReadsPerRun: input.wait.maxReadsPerRun ?? DEFAULT_MAX_READS_PER_RUN,
      unknownStatusLimitMs: input.wait.unknownStatusLimitMs ?? DEFAULT_UNKNOWN_STATUS_LIMIT_MS,
      malformedReadLimit: input.wait.malformedReadLimit,
      failedReadLimitMs: input.wait.failedReadLimitMs,
      continueAsNew: (resume) => continueAsNew({ ...input, resume }),
      budget: input.budget,
      upgrade: (resume) => upgradeByContinueAsNew({ ...input, resume }),
    });
  } catch (err) {
    const deadline = err instanceof ApplicationFailure && err.type === FAILURE.deadlineExceeded ? err : undefined;
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
        message: `${deadline.message}; ${what}`,
        nonRetryable: true,
        details: [details],
      });
    }
    // A cancelled workflow's failure message does not reach the client (the SDK reports a bare cancellation), so
    // what was left behind is also kept in the memo, where `awaitRun` and the Temporal UI show it.
    const cancellation = { message: `cancelled; ${what}`, taskId: ref.taskId, datasetId: ref.datasetId, leftRunning };
    upsertMemo({ cancellation });
    if (input.tellParent === 'on-cancel') await tellParent(input, ref.taskId, resume.reattached);
    throw new CancelledFailure(cancellation.message, [cancellation]);
  }
}

/** A step's spec of the kinds `K`, with the dataset id the pipeline filled in. */
type SpecOf<K extends StepSpec['kind']> = Extract<StepSpec, { kind: K }> & { datasetId: string };

/** How one create-or-reattach activity is called: what it makes, where, and the call itself. */
interface Starter {
  /** What the step creates, for messages (`export task`, `version`, ...). */
  what: string;
  activity: ModelArtsActivity;
  /** The collection POSTed to, under `/v2/{project_id}/datasets/{dataset_id}/`. */
  collection: string;
  call: (options: ActivityOptions) => Promise<StartAnswer>;
  /** The log lines when it created, or found, the task; `key` names the id in them. */
  said: { created: string; reattached: string; key: 'taskId' | 'versionId' };
}

interface Finish<K extends StepSpec['kind']> {
  input: StepInput;
  spec: SpecOf<K>;
  state: StepState;
  ref: TaskRef;
  read: StatusRead;
  /** The result every kind shares (resultOf). */
  result: StepResult;
}

/** One kind of step: the task kind it waits on, how it starts (or adopts) its task, and how its result is made. */
interface StepKind<K extends StepSpec['kind']> {
  kinds: readonly K[];
  taskKind: TaskRef['kind'];
  /** The create-or-reattach call, or the id of a task that already exists (a wait-task step). */
  start: (spec: SpecOf<K>, input: StepInput, resume: StartingResume) => Starter | { existingTaskId: string };
  /** Read-side facts of the ref (e.g. when the task was created after); none by default. */
  refExtras?: (spec: SpecOf<K>, resume: StepResume) => Partial<TaskRef>;
  /** The step's result once the task ended: fails unless it succeeded. */
  finish: (f: Finish<K>) => Promise<StepResult>;
}

/** The result of a task that must have succeeded. */
function succeeded({
  ref,
  read,
  result,
}: Pick<Finish<StepSpec['kind']>, 'ref' | 'read' | 'result'>): Promise<StepResult> {
  if (read.outcome !== 'succeeded') failedTask(ref, read, result);
  return Promise.resolve(result);
}

/** An export's request: the user's, with this run's marker folder at the end of the path (marker.ts). */
const exportRequest = (spec: SpecOf<'export'>, input: StepInput) => ({
  ...spec.request,
  path: withMarker(spec.request.path ?? '', input.marker),
});

const EXPORT: StepKind<'export'> = {
  kinds: ['export'],
  taskKind: 'export',
  start: (spec, input) => ({
    what: 'export task',
    activity: 'createOrReattachExport',
    collection: 'export-tasks',
    call: (options) =>
      modelArts.createOrReattachExport.executeWithOptions(options, [
        { datasetId: spec.datasetId, request: exportRequest(spec, input) },
      ]),
    said: { created: 'created export task', reattached: 'reattached to export task', key: 'taskId' },
  }),
  async finish({ input, spec, state, ref, read, result: base }) {
    const result: StepResult = {
      ...base,
      outputPath: read.path ?? exportRequest(spec, input).path,
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
    return result;
  },
};

const INTELLIGENT: StepKind<'intelligent-task' | 'wait-task'> = {
  kinds: ['intelligent-task', 'wait-task'],
  taskKind: 'intelligent',
  start: (spec, input, resume) => {
    if (spec.kind === 'wait-task') return { existingTaskId: spec.taskId };
    const request = {
      ...spec.request,
      config: {
        ...spec.request.config,
        description: descriptionWithMarker(spec.request.config?.description, input.marker),
      },
    };
    return {
      what: `${spec.request.task_type} task`,
      activity: 'startOrReattachTask',
      collection: 'tasks',
      call: (options) =>
        modelArts.startOrReattachTask.executeWithOptions(options, [
          { datasetId: spec.datasetId, request, marker: input.marker, stepStartedAtMs: resume.startedAtMs },
        ]),
      said: { created: 'started intelligent task', reattached: 'reattached to intelligent task', key: 'taskId' },
    };
  },
  // A task this step started was created after the step began: that fixes create_time's unknown zone.
  refExtras: (spec, resume) => (spec.kind === 'intelligent-task' ? { createdAfterMs: resume.startedAtMs } : {}),
  finish: succeeded,
};

const IMPORT: StepKind<'import'> = {
  kinds: ['import'],
  taskKind: 'import',
  start: (spec, _input, resume) => ({
    what: 'import task',
    activity: 'createOrReattachImport',
    collection: 'import-tasks',
    call: (options) =>
      modelArts.createOrReattachImport.executeWithOptions(options, [
        { datasetId: spec.datasetId, request: spec.request, stepStartedAtMs: resume.startedAtMs },
      ]),
    said: { created: 'created import task', reattached: 'reattached to import task', key: 'taskId' },
  }),
  finish: succeeded,
};

const PUBLISH_VERSION: StepKind<'publish-version'> = {
  kinds: ['publish-version'],
  taskKind: 'version',
  start: (spec, input, resume) => {
    const request = { ...spec.request, description: descriptionWithMarker(spec.request.description, input.marker) };
    return {
      what: 'version',
      activity: 'publishOrReattachVersion',
      collection: 'versions',
      call: (options) =>
        modelArts.publishOrReattachVersion.executeWithOptions(options, [
          { datasetId: spec.datasetId, request, marker: input.marker, stepStartedAtMs: resume.startedAtMs },
        ]),
      said: { created: 'created version', reattached: 'reattached to version', key: 'versionId' },
    };
  },
  async finish(f) {
    const result = await succeeded(f);
    // The manifest path is where the version's annotations live: the "output" of a release.
    return { ...result, versionId: f.ref.taskId, versionName: f.read.versionName, outputPath: f.read.path };
  },
};

/** The spec, when it is one of the kinds this step workflow runs. */
function specOfKind<K extends StepSpec['kind']>(input: StepInput, kind: StepKind<K>, workflow: string): SpecOf<K> {
  const { spec } = input;
  if (isOfKind(spec, kind.kinds)) return spec;
  throw ApplicationFailure.nonRetryable(`${workflow} cannot run a ${spec.kind} step`, FAILURE.invalidSpec);
}

function isOfKind<K extends StepSpec['kind']>(spec: StepInput['spec'], kinds: readonly K[]): spec is SpecOf<K> {
  return kinds.some((k) => k === spec.kind);
}

/**
 * The one create-or-reattach prologue: a step continued from an earlier run has its task; otherwise it creates
 * (or reattaches to) one, waiting out busy refusals (startWhenNotBusy), or adopts the task it waits on.
 */
async function startOrAdopt<K extends StepSpec['kind']>(
  input: StepInput,
  spec: SpecOf<K>,
  kind: StepKind<K>,
  state: StepState,
): Promise<StepResume> {
  const carried = state.adopted();
  if (carried) return carried;
  const start = kind.start(spec, input, state.resume);
  if ('existingTaskId' in start) return adoptTask(input, state, start.existingTaskId, true);
  const started = await startWhenNotBusy(state, start.what, spec.datasetId, () =>
    start.call(
      optionsFor(start.activity, {
        summary: `POST /v2/{project_id}/datasets/${spec.datasetId}/${start.collection} (or reattach)`,
        deadlineAtMs: state.resume.deadlineAtMs,
        budget: input.budget,
      }),
    ),
  );
  log.info(started.reattached ? start.said.reattached : start.said.created, { [start.said.key]: started.taskId });
  return adoptTask(input, state, started.taskId, started.reattached, started.taskIdSearchValue);
}

/** Runs one step of any kind: its handlers, its task (created, reattached or carried), the wait, the result. */
async function runStep<K extends StepSpec['kind']>(
  input: StepInput,
  kind: StepKind<K>,
  workflow: string,
  continueAsNew: (next: StepInput) => Promise<never>,
): Promise<StepResult> {
  const state = new StepState(input);
  state.installHandlers();
  // The pipeline sets the dataset id when it starts the step; a step started on its own sets it here.
  if (!input.resume && workflowInfo().typedSearchAttributes.get(DatasetIdKey) === undefined) {
    upsertSearchAttributes([{ key: DatasetIdKey, value: input.spec.datasetId }]);
  }
  const spec = specOfKind(input, kind, workflow);
  const resume = await startOrAdopt(input, spec, kind, state);
  const ref: TaskRef = {
    kind: kind.taskKind,
    datasetId: spec.datasetId,
    taskId: resume.taskId,
    ...kind.refExtras?.(spec, resume),
  };
  state.progress.taskId = ref.taskId;
  state.progress.phase = 'waiting';
  const read = await waitWithCleanup(input, ref, state, resume, continueAsNew);
  const result = await kind.finish({ input, spec, state, ref, read, result: resultOf(input, ref, resume, read) });
  state.progress.phase = 'done';
  return result;
}

// The four step workflows: their names and inputs are in recorded histories, so they stay, as thin wrappers.

export function exportStep(input: StepInput): Promise<StepResult> {
  return runStep(input, EXPORT, 'exportStep', makeContinueAsNewFunc<typeof exportStep>());
}

export function intelligentTaskStep(input: StepInput): Promise<StepResult> {
  return runStep(input, INTELLIGENT, 'intelligentTaskStep', makeContinueAsNewFunc<typeof intelligentTaskStep>());
}

export function importStep(input: StepInput): Promise<StepResult> {
  return runStep(input, IMPORT, 'importStep', makeContinueAsNewFunc<typeof importStep>());
}

export function publishVersionStep(input: StepInput): Promise<StepResult> {
  return runStep(input, PUBLISH_VERSION, 'publishVersionStep', makeContinueAsNewFunc<typeof publishVersionStep>());
}
