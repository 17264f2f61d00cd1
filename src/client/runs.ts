/**
 * Library API for runs: start (idempotently, by workflow id), attach, read progress, cancel and await results.
 * The CLI is a thin layer over these.
 */
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
  WorkflowFailedError,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TypedSearchAttributes } from '@temporalio/common';
import { pipelineProgressQuery, stepProgressQuery } from '../workflows/definitions.js';
import { outcomeKindOf, type OutcomeKind, type RunEndDetails } from '../workflows/failures.js';
import type { exportPipeline } from '../workflows/pipeline.js';
import { DatasetIdKey } from '../workflows/search-attributes.js';
import type { PipelineProgress, PipelineResult, PipelineSpec, StepProgress } from '../workflows/types.js';
import { parsePipelineSpec } from '../spec/pipeline.js';

export type RunHandle = WorkflowHandle<typeof exportPipeline>;

export interface StartOptions {
  taskQueue: string;
  /** Business key of the run; starting the same id again attaches to that run instead of starting another. */
  workflowId?: string;
}

export interface Started {
  handle: RunHandle;
  workflowId: string;
  /** False when a run with this id already existed (running or finished) and was attached to. */
  started: boolean;
}

function defaultWorkflowId(spec: PipelineSpec): string {
  const first = spec.steps[0];
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `modelarts-export-${first?.datasetId ?? 'run'}-${stamp}`;
}

export function summaryOf(spec: PipelineSpec): string {
  if (spec.summary) return spec.summary;
  const kinds = spec.steps.map((s) => s.kind).join(' → ');
  return `ModelArts ${kinds} on dataset ${spec.steps[0]?.datasetId ?? '?'} (${spec.steps.length} step${spec.steps.length === 1 ? '' : 's'})`;
}

/**
 * Validates the spec (throws `SpecError` naming each bad field before anything is created), then starts the run.
 * The same workflow id never starts a second run: a running one is reused, a finished one is attached to.
 */
export async function startRun(client: Client, specInput: unknown, options: StartOptions): Promise<Started> {
  const spec = parsePipelineSpec(specInput);
  const workflowId = options.workflowId ?? defaultWorkflowId(spec);
  try {
    const handle = await client.workflow.start<typeof exportPipeline>('exportPipeline', {
      workflowId,
      taskQueue: options.taskQueue,
      args: [spec],
      // Running or finished, an existing run with this id is attached to (below), never duplicated.
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: new TypedSearchAttributes([{ key: DatasetIdKey, value: spec.steps[0]?.datasetId ?? '' }]),
      staticSummary: summaryOf(spec),
      staticDetails: '```json\n' + JSON.stringify(spec, null, 2) + '\n```',
    });
    return { handle, workflowId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { handle: client.workflow.getHandle<typeof exportPipeline>(workflowId), workflowId, started: false };
    }
    throw err;
  }
}

export interface RunProgress {
  workflowId: string;
  status: string;
  pipeline?: PipelineProgress;
  /** Progress of the step that is running now. */
  step?: StepProgress;
}

/** Live progress: the pipeline's step list plus the running step's own progress. */
export async function getProgress(client: Client, workflowId: string): Promise<RunProgress> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const status = description.status.name;
  if (status !== 'RUNNING') return { workflowId, status };
  const pipeline = await handle.query(pipelineProgressQuery);
  let step: StepProgress | undefined;
  const current = pipeline.current !== undefined ? pipeline.steps[pipeline.current] : undefined;
  if (current) {
    try {
      step = await client.workflow.getHandle(current.workflowId).query(stepProgressQuery);
    } catch {
      // The step may not have started yet, or just finished; the pipeline view is still right.
    }
  }
  return { workflowId, status, pipeline, step };
}

export async function cancelRun(client: Client, workflowId: string): Promise<void> {
  await client.workflow.getHandle(workflowId).cancel();
}

/**
 * How a run ended. `outcome` is the coarse, stable word (the CLI's `--json` prints it); `kind` says which of the
 * ways in src/workflows/failures.ts it was; `details` carries the step, its task, ModelArts' error_code/error_msg
 * and what was left running.
 */
export type RunOutcome =
  | { outcome: 'succeeded'; kind: 'succeeded'; result: PipelineResult }
  | {
      outcome: 'failed' | 'cancelled' | 'timed-out' | 'terminated';
      kind: Exclude<OutcomeKind, 'succeeded'>;
      message: string;
      /** Absent for a run ended from outside (terminated) or by a server-side timeout. */
      details?: Partial<RunEndDetails>;
    };

/** Waits for the run and reports how it ended, with the failure's message and details (never throws for a run failure). */
export async function awaitRun(client: Client, workflowId: string): Promise<RunOutcome> {
  try {
    const result = (await client.workflow.getHandle<typeof exportPipeline>(workflowId).result()) as PipelineResult;
    return { outcome: 'succeeded', kind: 'succeeded', result };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    if (cause instanceof CancelledFailure) {
      // The workflow records what cancelling left behind in its memo (the failure itself carries no message).
      const { memo } = await client.workflow.getHandle(workflowId).describe();
      const cancellation = memo?.cancellation as (Partial<RunEndDetails> & { message?: string }) | undefined;
      return {
        outcome: 'cancelled',
        kind: 'cancelled',
        message: cancellation?.message ?? cause.message,
        details: cancellation,
      };
    }
    if (cause instanceof TerminatedFailure)
      return { outcome: 'terminated', kind: 'terminated', message: cause.message };
    // The pipeline fails with the failure type of the step that ended it (failures.ts).
    const kind = outcomeKindOf(cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined);
    const details = (cause as { details?: unknown[] } | undefined)?.details?.[0] as Partial<RunEndDetails> | undefined;
    return {
      outcome: kind === 'deadline-exceeded' ? 'timed-out' : 'failed',
      kind,
      message: cause?.message ?? err.message,
      details,
    };
  }
}
