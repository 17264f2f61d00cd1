/**
 * A schedule-started run learns from the schedule's recent runs: their step durations become this run's duration
 * prior (src/polling/policy.ts Prior), unless the spec gives one. One short activity at the start; any failure
 * just means no prior. Gated by patched() so histories recorded before it replay unchanged.
 */
import {
  isCancellation,
  log,
  patched,
  proxyActivities,
  type ActivityOptions,
  type WorkflowInfo,
} from '@temporalio/workflow';
import type { ScheduleHistoryActivities } from '../activities/types.js';
import { SCHEDULED_BY_ID } from '../contract/visibility.js';
import type { PipelineSpec, WaitOptions } from './types.js';

export const SCHEDULE_PRIOR_PATCH = 'schedule-duration-prior';

/** Cheap and optional: two short attempts, then the run goes on without a prior. */
const HISTORY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '20s',
  scheduleToCloseTimeout: '45s',
  retry: { initialInterval: '1s', maximumAttempts: 2 },
};
const history = proxyActivities<ScheduleHistoryActivities>(HISTORY_OPTIONS);

/** The id of the Schedule that started this run, if one did (typed search attribute, else the untyped map). */
export function scheduledById(info: Pick<WorkflowInfo, 'typedSearchAttributes' | 'searchAttributes'>) {
  const typed = info.typedSearchAttributes?.getAll().find((pair) => pair.key.name === SCHEDULED_BY_ID)?.value;
  // Older servers fill only the untyped map.
  const untyped = info.searchAttributes?.[SCHEDULED_BY_ID]?.[0];
  const id = typed ?? untyped;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The prior from the schedule's recent runs, as wait options; undefined when the run has one or gets none. */
export async function schedulePrior(
  spec: PipelineSpec,
  info: Pick<WorkflowInfo, 'typedSearchAttributes' | 'searchAttributes'>,
): Promise<Pick<WaitOptions, 'expectedDurationMs' | 'shortestDurationMs' | 'progressStep'> | undefined> {
  if (spec.wait?.expectedDurationMs !== undefined) return undefined;
  const scheduleId = scheduledById(info);
  if (!scheduleId || !patched(SCHEDULE_PRIOR_PATCH)) return undefined;
  try {
    const recent = await history.recentStepDurations.executeWithOptions(
      { ...HISTORY_OPTIONS, summary: `duration prior from schedule ${scheduleId}'s recent runs` },
      [{ scheduleId, steps: spec.steps.length }],
    );
    if (!recent) return undefined;
    log.info('duration prior from recent scheduled runs', { scheduleId, ...recent });
    return {
      expectedDurationMs: recent.expectedDurationMs,
      shortestDurationMs: recent.shortestDurationMs,
      progressStep: recent.progressStep,
    };
  } catch (err) {
    if (isCancellation(err)) throw err; // a cancelled run stops here; only a failed lookup means "no prior"
    log.warn('no duration prior: the schedule history activity failed', { scheduleId, error: String(err) });
    return undefined;
  }
}
