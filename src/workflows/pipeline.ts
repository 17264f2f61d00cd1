/**
 * The run a user starts: one or more steps, each a child workflow, chained so that a step without a dataset id
 * works on the dataset the previous step produced (the new dataset of a NEW_DATASET export, else the same one),
 * and an export with `version: 'previous'` exports the version the latest publish-version step published.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { RunLocalActivities } from '../activities/types.js';
import { DEFAULT_POLICY, type PollPolicy } from '../polling/policy.js';
import { pipelineProgressQuery, pollPolicySignal, setPollPolicyUpdate, stepTaskSignal } from './definitions.js';
import {
  FAILURE,
  leftBehind,
  outcomeKindOf,
  rootApplicationFailure,
  rootMessage,
  type RunEndDetails,
  type StepEndDetails,
} from '../contract/failures.js';
import { runMarker } from './marker.js';
import { expandSpecPlaceholders, placeholderTime } from '../contract/placeholders.js';
import { schedulePrior } from './schedule-prior.js';
import { DatasetIdKey } from './search-attributes.js';
import { searchValue } from './search-values.js';
import { priorityOf, stepBudget } from '../budget/classes.js';
import { exportStep, importStep, intelligentTaskStep, publishVersionStep } from './step.js';
import { mergePolicy } from './step-state.js';
import type { PipelineProgress, PipelineResult, PipelineSpec, SealedSearch, StepResult, StepSpec } from './types.js';

export function stepWorkflowId(pipelineWorkflowId: string, index: number): string {
  return `${pipelineWorkflowId}.step-${index + 1}`;
}

function stepSummary(step: StepSpec, datasetId: string): string {
  switch (step.kind) {
    case 'export': {
      const dest =
        step.request.export_params?.export_dest === 'NEW_DATASET'
          ? `new dataset ${step.request.export_params.export_new_dataset_name}`
          : step.request.path;
      const what = step.request.version_id ? `version ${step.request.version_id} of dataset` : 'dataset';
      return `Export ${what} ${datasetId} to ${dest}`;
    }
    case 'intelligent-task':
      return `Run ${step.request.task_type} on dataset ${datasetId}`;
    case 'wait-task':
      return `Wait for task ${step.taskId} on dataset ${datasetId}`;
    case 'import':
      return `Import ${step.request.import_path} into dataset ${datasetId}`;
    case 'publish-version':
      return `Publish version ${step.request.version_name ?? '(next name)'} of dataset ${datasetId}`;
  }
}

/** The workflow that runs each kind of step. */
function stepWorkflow(kind: StepSpec['kind']) {
  switch (kind) {
    case 'export':
      return exportStep;
    case 'import':
      return importStep;
    case 'publish-version':
      return publishVersionStep;
    case 'intelligent-task':
    case 'wait-task':
      return intelligentTaskStep;
  }
}

interface Published {
  datasetId: string;
  versionId: string;
}

/** An export with `version: 'previous'` gets the version the latest publish-version step published. */
function withPublishedVersion(step: StepSpec, datasetId: string, published: Published | undefined, index: number) {
  if (step.kind !== 'export' || step.version !== 'previous') return { ...step, datasetId };
  const fail = (why: string) => {
    throw ApplicationFailure.nonRetryable(
      `step ${index + 1} exports version 'previous', but ${why}`,
      FAILURE.invalidSpec,
    );
  };
  if (!published) return fail('no earlier publish-version step published one');
  if (published.datasetId !== datasetId)
    return fail(`that version belongs to dataset ${published.datasetId} and the step exports dataset ${datasetId}`);
  return { ...step, datasetId, request: { ...step.request, version_id: published.versionId } };
}

export const PLACEHOLDERS_ONCE_PATCH = 'placeholders-filled-once';

/** Filling in a run's paths is pure and quick; a local activity, so its result is recorded in the run's history. */
const local = proxyLocalActivities<RunLocalActivities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });

/**
 * {date}, {time}, … in export paths, from the scheduled (or start) time recorded in history (placeholders.ts).
 * Filled in once: with `Intl` time-zone data, which a newer Node may change, so a replay must not fill them in
 * again. A spec without placeholders adds no command; runs started before the patch fill them in on every replay.
 */
async function expandPlaceholders(input: PipelineSpec): Promise<PipelineSpec> {
  const at = placeholderTime(workflowInfo());
  let filled: PipelineSpec;
  try {
    filled = expandSpecPlaceholders(input, at);
  } catch (err) {
    // Only a spec that skipped validation gets here (an unknown time zone): fail the run, not the workflow task.
    throw ApplicationFailure.nonRetryable(`cannot fill in path placeholders: ${rootMessage(err)}`, FAILURE.invalidSpec);
  }
  if (filled === input || !patched(PLACEHOLDERS_ONCE_PATCH)) return filled;
  return local.expandRunPaths({ spec: input, atMs: at.getTime() });
}

/** The progress query, the steps' task-id signal and the policy update; returns the policy patch in force. */
function setUpHandlers(progress: PipelineProgress, initialPatch: Partial<PollPolicy>): () => Partial<PollPolicy> {
  let policyPatch = initialPatch;
  setHandler(pipelineProgressQuery, () => progress);
  // A step tells its task id when a cancel leaves the task behind (see step.ts).
  setHandler(stepTaskSignal, ({ index, taskId }) => {
    const entry = progress.steps[index];
    if (entry) entry.taskId = taskId;
  });
  setHandler(
    setPollPolicyUpdate,
    async (patch) => {
      policyPatch = { ...policyPatch, ...patch };
      if (progress.current !== undefined) {
        await getExternalWorkflowHandle(stepWorkflowId(progress.workflowId, progress.current)).signal(
          pollPolicySignal,
          patch,
        );
      }
      return mergePolicy(DEFAULT_POLICY, policyPatch);
    },
    {
      validator: (patch) => {
        mergePolicy(mergePolicy(DEFAULT_POLICY, policyPatch), patch);
      },
    },
  );
  return () => policyPatch;
}

/**
 * Ends the run after step `index` did not succeed: a cancellation says what it left behind (also in the memo, as
 * the SDK does not pass a cancellation's message to clients); a failure keeps the step's own failure type and what
 * it said about its task, so clients read how the run ended from the type (failures.ts).
 */
function endRun(err: unknown, step: StepSpec, entry: PipelineProgress['steps'][number], done: RunEnd): never {
  if (isCancellation(err) || (err instanceof ChildWorkflowFailure && err.cause instanceof CancelledFailure)) {
    entry.state = 'cancelled';
    // The step stops an intelligent task itself and tells us the task id (see step.ts).
    const { what, leftRunning } = leftBehind(step.kind, entry.taskId);
    const details: RunEndDetails = { kind: 'cancelled', ...done, taskId: entry.taskId, leftRunning };
    const cancellation = { message: `cancelled in step ${done.failedStep}; ${what}`, ...details };
    log.info('run cancelled', { step: done.failedStep, leftRunning: leftRunning ?? null });
    upsertMemo({ cancellation });
    throw new CancelledFailure(cancellation.message, [cancellation]);
  }
  entry.state = 'failed';
  const cause = rootApplicationFailure(err);
  const type = cause?.type ?? FAILURE.legacyStepFailed;
  const fromStep = (cause?.details?.[0] ?? {}) as StepEndDetails;
  const details: RunEndDetails = {
    kind: outcomeKindOf(type),
    ...done,
    taskId: fromStep.taskId ?? entry.taskId,
    leftRunning: fromStep.leftRunning,
    errorCode: fromStep.errorCode,
    errorMsg: fromStep.errorMsg,
  };
  throw ApplicationFailure.create({
    type,
    message: `step ${done.failedStep} (${step.kind}) failed: ${rootMessage(err)}`,
    nonRetryable: true,
    details: [details],
  });
}

/** The prior of step `index` (a number for all steps, or one per step), as the step's own wait options. */
function stepPrior(
  wait: PipelineSpec['wait'],
  index: number,
): Pick<NonNullable<PipelineSpec['wait']>, 'expectedDurationMs' | 'shortestDurationMs' | 'progressStep'> {
  const pick = (v: number | number[] | undefined): number | undefined => (Array.isArray(v) ? v[index] : v);
  const expected = pick(wait?.expectedDurationMs);
  const shortest = pick(wait?.shortestDurationMs);
  const step = Array.isArray(wait?.progressStep) ? wait.progressStep[index] : wait?.progressStep;
  return {
    expectedDurationMs: expected !== undefined && expected > 0 ? expected : undefined,
    shortestDurationMs: shortest !== undefined && shortest > 0 ? shortest : undefined,
    progressStep: typeof step === 'number' ? step : undefined,
  };
}

type RunEnd = Pick<RunEndDetails, 'workflowId' | 'steps' | 'failedStep' | 'datasetId'>;

/**
 * The keyed hash of a dataset id the sealed client made at start, if it did: the first step's is the run's own
 * `ModelArtsDatasetId`, the others' came in `sealed`.
 */
function hashedByClient(spec: PipelineSpec, sealed: SealedSearch | undefined, datasetId: string): string | undefined {
  if (!sealed) return undefined;
  if (datasetId === (spec.steps[0]?.datasetId ?? '')) return workflowInfo().typedSearchAttributes.get(DatasetIdKey);
  return Object.hasOwn(sealed.datasetIds, datasetId) ? sealed.datasetIds[datasetId] : undefined;
}

export async function exportPipeline(input: PipelineSpec, sealed?: SealedSearch): Promise<PipelineResult> {
  const info = workflowInfo();
  const spec = await expandPlaceholders(input);
  const startedAtMs = Date.now();
  const results: StepResult[] = [];
  const progress: PipelineProgress = {
    workflowId: info.workflowId,
    steps: spec.steps.map((step, index) => ({
      index,
      kind: step.kind,
      workflowId: stepWorkflowId(info.workflowId, index),
      state: 'pending',
    })),
  };
  const policyPatch = setUpHandlers(progress, spec.wait?.policy ?? {});
  const prior = await schedulePrior(spec, info);
  const wait = prior ? { ...spec.wait, ...prior } : spec.wait;

  // Set on every child and activity explicitly: a run started by a Schedule has no priority of its own (TS 1.24).
  const budget = stepBudget(spec);
  let datasetId = spec.steps[0]?.datasetId;
  let published: Published | undefined;
  for (const [index, declared] of spec.steps.entries()) {
    datasetId = declared.datasetId ?? datasetId;
    if (!datasetId) throw ApplicationFailure.nonRetryable(`step ${index + 1} has no dataset id`, FAILURE.invalidSpec);
    const step = withPublishedVersion(declared, datasetId, published, index);
    const entry = progress.steps[index]!;
    entry.state = 'running';
    progress.current = index;
    const input = {
      index,
      spec: step,
      wait: { ...spec.wait, policy: policyPatch(), ...stepPrior(wait, index) },
      marker: runMarker(info.workflowId, index, info.firstExecutionRunId),
      tellParent: 'on-cancel' as const,
      budget,
    };
    try {
      const result = await executeChild(stepWorkflow(step.kind), {
        workflowId: entry.workflowId,
        args: [input],
        // Set at start, so the step needs no upsert (an event and a visibility write) of its own.
        typedSearchAttributes: [
          {
            key: DatasetIdKey,
            value: await searchValue(DatasetIdKey, datasetId, hashedByClient(spec, sealed, datasetId)),
          },
        ],
        staticSummary: `Step ${index + 1}/${spec.steps.length}: ${stepSummary(step, datasetId)}`,
        priority: priorityOf(budget),
      });
      entry.state = 'done';
      entry.result = result;
      results.push(result);
      datasetId = result.newDatasetId ?? datasetId;
      if (step.kind === 'publish-version' && result.versionId)
        published = { datasetId: step.datasetId, versionId: result.versionId };
    } catch (err) {
      progress.current = undefined;
      endRun(err, step, entry, { workflowId: info.workflowId, steps: results, failedStep: index + 1, datasetId });
    }
  }
  progress.current = undefined;
  // The policy update handler is async (it signals the step): let a running one finish rather than abandon it.
  await condition(allHandlersFinished);
  return { workflowId: info.workflowId, outcome: 'succeeded', steps: results, elapsedMs: Date.now() - startedAtMs };
}
