/** Human-readable summaries of runs and their steps, and the JSON shapes `--json` prints. */
import type { RunOutcome } from '../client/runs.js';
import type { StepResult } from '../workflows/types.js';
import { EXIT } from './context.js';

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatStep(step: StepResult): string {
  const parts = [`${step.index + 1}. ${step.kind} on dataset ${step.datasetId}`, `task ${step.taskId}`, step.status];
  if (step.totalSampleCount !== undefined)
    parts.push(`${step.finishedSampleCount ?? 0}/${step.totalSampleCount} samples`);
  if (step.outputPath) parts.push(`→ ${step.outputPath}`);
  if (step.newDatasetId) parts.push(`→ new dataset ${step.newDatasetName ?? ''} (${step.newDatasetId})`);
  if (step.reattached) parts.push('(reattached to the task this run had created)');
  if (step.errorCode || step.errorMsg) parts.push(`${step.errorCode ?? ''} ${step.errorMsg ?? ''}`.trim());
  return parts.join('  ');
}

function stepsIn(details: unknown): StepResult[] {
  const steps = (details as { steps?: unknown } | undefined)?.steps;
  return Array.isArray(steps) ? (steps as StepResult[]) : [];
}

export function formatOutcome(workflowId: string, outcome: RunOutcome): string {
  if (outcome.outcome === 'succeeded') {
    const r = outcome.result;
    return [
      `✔ Run ${workflowId} succeeded in ${duration(r.elapsedMs)}`,
      ...r.steps.map((s) => `  ${formatStep(s)}`),
    ].join('\n');
  }
  const done = stepsIn(outcome.details);
  return [
    `✖ Run ${workflowId} ${outcome.outcome}: ${outcome.message}`,
    ...(done.length > 0 ? ['  Steps that finished before:', ...done.map((s) => `    ${formatStep(s)}`)] : []),
  ].join('\n');
}

/** `--json`: the workflow result itself on success, else how it ended. */
export function outcomeJson(outcome: RunOutcome): unknown {
  if (outcome.outcome === 'succeeded') return outcome.result;
  return { outcome: outcome.outcome, kind: outcome.kind, message: outcome.message, details: outcome.details ?? null };
}

export function exitCodeFor(outcome: RunOutcome): number {
  return outcome.outcome === 'succeeded' ? EXIT.ok : EXIT.runFailed;
}

export const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** Link to a run in the Temporal Web UI. */
export function uiLink(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
