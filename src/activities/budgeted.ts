/**
 * Counts every ModelArts activity task by tenant and API, and reports throttling: a 429 (ModelArts.4206,
 * ModelArts.4395, APIG.0308) becomes a metric and one log line naming the tenant, so an operator sees whose budget
 * is too high for the service (docs/request-budget.md). The read itself still backs off (Retry-After).
 * Metrics go to the worker's Prometheus endpoint next to the SDK's own (`temporal_` prefix added by the runtime).
 */
import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import { DEFAULT_TENANT } from '../budget/classes.js';

type AnyActivity = (...args: never[]) => Promise<unknown>;

const THROTTLE_STATUS = 429;

/** The 429 answer an activity met, from a failed read's observation or a thrown failure's details. */
function throttledCode(outcome: unknown): string | undefined {
  if (typeof outcome !== 'object' || outcome === null) return undefined;
  const o = outcome as { ok?: boolean; errorCode?: string; httpStatus?: number; details?: unknown[] };
  if (o.ok === false && o.httpStatus === THROTTLE_STATUS) return o.errorCode ?? 'HTTP 429';
  const detail = o.details?.[0] as { httpStatus?: number; errorCode?: string } | undefined;
  if (detail?.httpStatus === THROTTLE_STATUS) return detail.errorCode ?? 'HTTP 429';
  return undefined;
}

export function budgetedActivities<T extends Record<string, AnyActivity>>(activities: T, logger?: Logger): T {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [api, fn] of Object.entries(activities)) {
    wrapped[api] = async (...args: never[]) => {
      const context = Context.current();
      const tenant = context.info.priority?.fairnessKey ?? DEFAULT_TENANT;
      const meter = context.metricMeter;
      meter
        .createCounter('modelarts_requests', 'requests', 'ModelArts activity tasks (one per API call) by tenant')
        .add(1, { tenant, api });
      const report = (code: string) => {
        meter
          .createCounter('modelarts_throttled', 'answers', 'ModelArts 429 answers by tenant')
          .add(1, { tenant, api, code });
        logger?.warn(
          { tenant, api, code, taskQueue: context.info.taskQueue },
          'ModelArts throttled this tenant (429); lower its budget with `modelarts-export budget set --tenant`',
        );
      };
      try {
        const result = await fn(...args);
        const code = throttledCode(result);
        if (code) report(code);
        return result;
      } catch (err) {
        const code = throttledCode(err);
        if (code) report(code);
        throw err;
      }
    };
  }
  return wrapped as T;
}
