/** Activity stubs with the timeouts and retry rules the ModelArts calls need. */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { NON_RETRYABLE_ACTIVITY_FAILURES } from './failures.js';

const base: ActivityOptions = {
  startToCloseTimeout: '60s',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '60s',
    nonRetryableErrorTypes: [...NON_RETRYABLE_ACTIVITY_FAILURES],
  },
};

export const acts = proxyActivities<Activities>(base);

/** Options with a summary the Temporal UI shows for the call (which ModelArts API ran). */
export function withSummary(summary: string, overrides: ActivityOptions = {}): ActivityOptions {
  return { ...base, ...overrides, summary };
}
