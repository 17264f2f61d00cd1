/**
 * The overhead baseline: workflows with the same Temporal shape as `exportPipeline` → `exportStep` (a parent
 * running one child per step, the same number of activities and timers), whose activities do nothing. Running
 * them next to ours on the same worker and server shows what Temporal itself costs for that shape.
 *
 * `mirror: true` also repeats the Temporal commands our step issues besides activities and timers (the signal
 * that tells the parent the task id, and the search-attribute upserts), so the two histories match event for
 * event; `mirror: false` is the bare shape. Deterministic workflow code: bundled with bench/workflows.ts.
 */
import {
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
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
}

export interface BaselineStepInput extends BaselineSpec {
  index: number;
}

const baselineTaskSignal = defineSignal<[{ index: number; taskId: string }]>('stepTask');

const acts = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '60s' },
});

export async function baselinePipeline(spec: BaselineSpec): Promise<{ steps: number; reads: number }> {
  const { workflowId } = workflowInfo();
  const taskIds: string[] = [];
  if (spec.mirror) setHandler(baselineTaskSignal, ({ index, taskId }) => void (taskIds[index] = taskId));
  let reads = 0;
  for (let index = 0; index < spec.steps; index++) {
    const result = await executeChild(baselineStep, {
      workflowId: `${workflowId}.step-${index + 1}`,
      args: [{ ...spec, index }],
    });
    reads += result.reads;
  }
  return { steps: spec.steps, reads };
}

export async function baselineStep(input: BaselineStepInput): Promise<{ taskId: string; reads: number }> {
  if (input.mirror) upsertSearchAttributes([{ key: DatasetIdKey, value: input.datasetId }]);
  const { taskId } = await acts.baselineCreate({ datasetId: input.datasetId });
  if (input.mirror) {
    upsertSearchAttributes([{ key: TaskIdKey, value: taskId }]);
    const parent = workflowInfo().parent;
    if (parent) {
      await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(baselineTaskSignal, {
        index: input.index,
        taskId,
      });
    }
  }
  let lastStatus: string | undefined;
  for (let read = 1; read <= input.readsPerStep; read++) {
    const { status } = await acts.baselineRead({ taskId, last: read === input.readsPerStep });
    if (input.mirror && status !== lastStatus) upsertSearchAttributes([{ key: TaskStatusKey, value: status }]);
    lastStatus = status;
    if (read < input.readsPerStep) await sleep(input.timerMs);
  }
  return { taskId, reads: input.readsPerStep };
}
