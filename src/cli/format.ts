/** Human-readable summaries of runs, their steps and schedules, and the JSON shapes `--json` prints. */
import { summaryOf, type RunOutcome, type RunSummary } from '../client/runs.js';
import { formatInterval, type ScheduleInfo, type ScheduleListEntry } from '../client/schedule-describe.js';
import type { StepResult, StepSpec } from '../workflows/types.js';
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
  // A publish-version step's task is the version itself.
  const what =
    step.kind === 'publish-version' ? `version ${step.versionName ?? ''} (${step.taskId})` : `task ${step.taskId}`;
  const parts = [`${step.index + 1}. ${step.kind} on dataset ${step.datasetId}`, what, step.status];
  if (step.kind === 'export' && step.versionId) parts.push(`of version ${step.versionId}`);
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

/** A time in UTC to the second: `2024-05-01 02:00:00Z`. */
export const time = (d: Date): string =>
  d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

/** Columns padded to their widest cell, two spaces apart. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((v, i) => v.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `list`: one line a run. */
export function runTable(runs: RunSummary[]): string {
  return table(
    ['WORKFLOW ID', 'STATUS', 'DATASET', 'STARTED', 'CLOSED'],
    runs.map((r) => [
      r.workflowId,
      r.status,
      r.datasetId ?? '',
      time(r.startTime),
      r.closeTime ? time(r.closeTime) : '',
    ]),
  );
}

/** When a schedule fires: `cron "0 2 * * *" (Europe/Berlin)`, `every 1h`. */
export function scheduleTimes(s: ScheduleListEntry): string {
  const parts = [...s.cron.map((c) => `cron "${c}"`), ...s.every.map((e) => `every ${e}`)];
  return `${parts.join(', ') || '(no times)'}${s.timezone !== 'UTC' ? ` (${s.timezone})` : ''}`;
}

/** `schedule list`: one line a schedule. */
export function scheduleTable(entries: ScheduleListEntry[]): string {
  return table(
    ['SCHEDULE ID', 'STATE', 'WHEN', 'DATASET', 'NEXT RUN'],
    entries.map((e) => [
      e.scheduleId,
      e.paused ? 'paused' : 'active',
      scheduleTimes(e),
      e.datasetId ?? '',
      e.paused || !e.nextRunTimes[0] ? '' : time(e.nextRunTimes[0]),
    ]),
  );
}

function stepLine(step: StepSpec): string {
  switch (step.kind) {
    case 'export':
      return `export${step.version === 'previous' ? ' of the version published before' : ''} to ${step.request.path}`;
    case 'intelligent-task':
      return step.request.task_type;
    case 'wait-task':
      return `wait for task ${step.taskId}`;
    case 'import':
      return `import ${step.request.import_path}`;
    case 'publish-version':
      return `publish version ${step.request.version_name ?? '(next name)'}`;
  }
}

/** `schedule describe`: times, policies, the runs it starts, counters and the spec. */
export function formatSchedule(s: ScheduleInfo): string {
  const lines = [
    `Schedule ${s.scheduleId}: ${s.paused ? 'PAUSED' : 'active'}${s.note ? ` (note: ${s.note})` : ''}`,
    `  When:        ${scheduleTimes(s)}`,
    `  Policies:    overlap ${s.overlap}, catch-up window ${formatInterval(s.catchupWindowMs)}, pause on failure: ${s.pauseOnFailure ? 'yes' : 'no'}`,
    `  Starts:      ${s.workflowType} on task queue ${s.taskQueue}, workflow ids ${s.workflowIdPrefix}-<scheduled time>`,
  ];
  if (s.spec) {
    lines.push(`  Runs:        ${summaryOf(s.spec)}`);
    for (const [i, step] of s.spec.steps.entries()) {
      lines.push(`    step ${i + 1}: ${stepLine(step)}`);
    }
    if (s.spec.timezone) lines.push(`    placeholders filled in ${s.spec.timezone} time`);
  }
  lines.push(
    `  Next runs:   ${s.paused ? '(paused) ' : ''}${s.nextRunTimes.slice(0, 5).map(time).join(', ') || 'none'}`,
    `  Counts:      ${s.actionsTaken} run(s) started, ${s.actionsSkippedOverlap} skipped (overlap), ${s.actionsMissedCatchupWindow} missed (catch-up window)`,
  );
  if (s.runningWorkflowIds.length > 0) lines.push(`  Running:     ${s.runningWorkflowIds.join(', ')}`);
  if (s.recentRuns.length > 0) {
    lines.push('  Recent runs:');
    for (const r of s.recentRuns.slice(-10)) lines.push(`    ${time(r.scheduledAt)}  ${r.workflowId}`);
  }
  if (s.spec)
    lines.push(
      '  Spec:',
      ...json(s.spec)
        .split('\n')
        .map((l) => `    ${l}`),
    );
  return lines.join('\n');
}
