/**
 * Activity interceptors of a traced worker: the SDK's (a RunActivity span whose parent comes from the activity's
 * headers, i.e. the step's span) and ours inside it, which adds the attempt and the time the task waited in its
 * queue (the request budget's rate limit) to that span, and hands the attempt down to the HTTP spans.
 */
import { context, trace } from '@opentelemetry/api';
import type { Context as ActivityContext } from '@temporalio/activity';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  Next,
} from '@temporalio/worker';
import { withActivityAttempt } from '../modelarts/http-span.js';

class ActivityFacts implements ActivityInboundCallsInterceptor {
  constructor(private readonly ctx: ActivityContext) {}

  execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const { info } = this.ctx;
    trace.getActiveSpan()?.setAttributes({
      'modelarts.attempt': info.attempt,
      // From when this attempt was scheduled to when it started: the budget's queueing (and any backlog).
      'modelarts.budget_queued_ms': Math.max(0, Date.now() - info.currentAttemptScheduledTimestampMs),
      'temporal.task_queue': info.taskQueue,
    });
    return context.with(withActivityAttempt(context.active(), info.attempt), () => next(input));
  }
}

/** The SDK's interceptors first (outermost: their span is active inside), then ours. */
export const tracedActivityInterceptors: ActivityInterceptorsFactory[] = [
  (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  }),
  (ctx) => ({ inbound: new ActivityFacts(ctx) }),
];
