/**
 * The overhead baseline: workflows with the same Temporal shape as `exportPipeline` → `exportStep` (a parent
 * running one child per step, the same number of activities and timers), whose activities do nothing. Running
 * them next to ours on the same worker and server shows what Temporal itself costs for that shape.
 *
 * `mirror: true` also repeats the Temporal commands our workflows issue besides activities and timers (the
 * search attributes set on the step at start and upserted when the task id and status are known), so the two histories match event for event; `mirror: false` is the bare shape.
 *
 * `budget: true` dispatches the no-op activities as ours are: the create through the `writes` queue, the reads through
 * the `reads` queue (server-side rate-limited, the run's fairness key and priority), instead of the workflow's own
 * queue (where the server hands them back eagerly with the workflow task). Beside the bare shape it shows the price
 * of the budget's design; beside ours, the price of our code. Deterministic workflow code: bundled with
 * bench/workflows.ts.
 */
import { executeChild, proxyActivities, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { budgetQueueName, priorityOf, stepBudget } from '../src/budget/classes.js';
import { DatasetIdKey, TaskIdKey, TaskStatusKey } from '../src/workflows/search-attributes.js';
import type { BaselineActivities } from './baseline-activities.js';

export interface BaselineSpec {
  datasetId: string;
  steps: number;
  /** Status reads per step (the last one "sees" the terminal status). */
  readsPerStep: number;
  /** Timer between two reads. */
  timerMs: number;
  mirror: boolean;
  /** Activities on the budget queues, as ours. */
  budget?: boolean;
}

export interface BaselineStepInput extends BaselineSpec {
  index: number;
}

const options = {
  startToCloseTimeout: '60s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '60s' },
};
const acts = proxyActivities<BaselineActivities>(options);

/** The activities of a step: on the workflow's queue, or on the budget queues as ours. */
function activitiesFor(input: BaselineSpec): Pick<BaselineActivities, 'baselineCreate' | 'baselineRead'> {
  if (!input.budget) return acts;
  const base = workflowInfo().taskQueue;
  const priority = priorityOf(stepBudget({}));
  const on = (budgetClass: 'reads' | 'writes') =>
    proxyActivities<BaselineActivities>({ ...options, taskQueue: budgetQueueName(base, budgetClass), priority });
  return { baselineCreate: on('writes').baselineCreate, baselineRead: on('reads').baselineRead };
}

export async function baselinePipeline(spec: BaselineSpec): Promise<{ steps: number; reads: number }> {
  const { workflowId } = workflowInfo();
  let reads = 0;
  for (let index = 0; index < spec.steps; index++) {
    const result = await executeChild(baselineStep, {
      workflowId: `${workflowId}.step-${index + 1}`,
      args: [{ ...spec, index }],
      typedSearchAttributes: spec.mirror ? [{ key: DatasetIdKey, value: spec.datasetId }] : [],
    });
    reads += result.reads;
  }
  return { steps: spec.steps, reads };
}

export async function baselineStep(input: BaselineStepInput): Promise<{ taskId: string; reads: number }> {
  const { baselineCreate, baselineRead } = activitiesFor(input);
  const { taskId } = await baselineCreate({ datasetId: input.datasetId });
  if (input.mirror) {
    upsertSearchAttributes([{ key: TaskIdKey, value: taskId }]);
  }
  let lastStatus: string | undefined;
  for (let read = 1; read <= input.readsPerStep; read++) {
    const { status } = await baselineRead({ taskId, last: read === input.readsPerStep });
    if (input.mirror && status !== lastStatus) upsertSearchAttributes([{ key: TaskStatusKey, value: status }]);
    lastStatus = status;
    if (read < input.readsPerStep) await sleep(input.timerMs);
  }
  return { taskId, reads: input.readsPerStep };
}
