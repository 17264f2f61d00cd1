/**
 * The duration prior of a schedule-started run: how long each step of the schedule's recent successful runs took.
 * Not a ModelArts call: it asks Temporal (visibility, then each run's result), through the worker's own connection.
 * Bounded (at most MAX_RUNS results) and harmless: any failure is answered as "no prior", never thrown.
 */
import { log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { EXPORT_PIPELINE_TYPE, queryString, SCHEDULED_BY_ID } from '../contract/visibility.js';
import type { PipelineResult } from '../workflows/types.js';
import type { RecentDurations, RecentDurationsInput, ScheduleHistoryActivities } from './types.js';

export const MAX_RUNS = 7;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
};

/** The prior from the runs' results (pure: tested without a server). */
export function durationsFromResults(results: Pick<PipelineResult, 'steps'>[], steps: number): RecentDurations | null {
  const expected: number[] = [];
  const shortest: number[] = [];
  const progressStep: (number | null)[] = [];
  for (let i = 0; i < steps; i++) {
    const done = results
      .map((r) => r.steps[i])
      .filter((s) => s?.outcome === 'succeeded' && Number.isFinite(s.elapsedMs) && s.elapsedMs > 0);
    const times = done.map((s) => s!.elapsedMs);
    expected.push(times.length > 0 ? median(times) : 0);
    shortest.push(times.length > 0 ? Math.min(...times) : 0);
    // The coarsest step any of them saw: assuming a finer step than the task reports could land reads too late.
    const quanta = done.map((s) => s!.progressStep).filter((q): q is number => typeof q === 'number' && q >= 0);
    progressStep.push(quanta.length > 0 ? Math.max(...quanta) : null);
  }
  return expected.some((ms) => ms > 0)
    ? { expectedDurationMs: expected, shortestDurationMs: shortest, progressStep, runs: results.length }
    : null;
}

export function scheduleHistoryActivities(client: Client): ScheduleHistoryActivities {
  return {
    async recentStepDurations(input: RecentDurationsInput): Promise<RecentDurations | null> {
      const limit = Math.max(1, Math.min(MAX_RUNS, input.runs ?? MAX_RUNS));
      const query = [
        `WorkflowType = ${queryString(EXPORT_PIPELINE_TYPE)}`,
        `${SCHEDULED_BY_ID} = ${queryString(input.scheduleId)}`,
        `ExecutionStatus = 'Completed'`,
      ].join(' AND ');
      try {
        const results: PipelineResult[] = [];
        for await (const run of client.workflow.list({ query, pageSize: limit })) {
          const result = (await client.workflow.getHandle(run.workflowId, run.runId).result()) as PipelineResult;
          if (result?.outcome === 'succeeded' && Array.isArray(result.steps)) results.push(result);
          if (results.length >= limit) break;
        }
        return durationsFromResults(results, input.steps);
      } catch (err) {
        log.warn('no duration prior: reading the schedule history failed', {
          scheduleId: input.scheduleId,
          error: (err as Error).message,
        });
        return null;
      }
    },
  };
}
