/** Activity stubs with the timeouts and retry rules the ModelArts calls need. */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

/** Error types that retrying cannot fix (set by src/activities/failures.ts). */
export const NON_RETRYABLE_ERROR_TYPES = ['ModelArtsClientError', 'ModelArtsValidationError', 'DeadlineExceeded'];

const base: ActivityOptions = {
  startToCloseTimeout: '60s',
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '60s',
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
};

export const acts = proxyActivities<Activities>(base);

/** Options with a summary the Temporal UI shows for the call (which ModelArts API ran). */
export function withSummary(summary: string, overrides: ActivityOptions = {}): ActivityOptions {
  return { ...base, ...overrides, summary };
}
