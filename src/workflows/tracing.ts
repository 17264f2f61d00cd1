/**
 * Tracing inside the workflow sandbox, without long-lived spans (docs/tracing.md). Deterministic: no Node built-ins,
 * no I/O, no commands of its own, so it adds no history event; spans leave through a sink, which the SDK does not
 * call while replaying, so a query or the UI replaying an uncached run emits nothing again.
 *
 * - The run span (the pipeline's, or a step's) is emitted once, when the workflow ends (completed, failed or
 *   cancelled), back-dated to when its first run started. Its id is derived from the workflow id and first run id,
 *   so the activities and children it started long before already name it as their parent.
 * - Every command that starts work (activity, local activity, child workflow, continue-as-new) carries a traceparent
 *   naming that span in its headers; a continue-as-new also carries the span's own parent and start time.
 * - Every timer (a planned sleep of the wait; its summary says why) is an instant span.
 * The SDK's own workflow interceptors are not used: their RunWorkflow span stays open for the whole run.
 */
import {
  ContinueAsNew,
  defaultPayloadConverter,
  isCancellation,
  proxySinks,
  workflowInfo,
  type ActivityInput,
  type ContinueAsNewInput,
  type Headers,
  type LocalActivityInput,
  type Next,
  type StartChildWorkflowExecutionInput,
  type TimerInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import type { SpanKind, SpanStatus, SpanStatusCode, Attributes } from '@opentelemetry/api';
import type { SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import {
  CARRIER,
  TRACE_HEADER,
  TRACING_SINK,
  formatTraceparent,
  hrTime,
  parseTraceparent,
  spanIdFor,
  traceIdFor,
  type TracingSinks,
} from '../contract/trace-context.js';
import { DatasetIdKey, isSearchHash, TaskIdKey } from './search-attributes.js';

const sinks = proxySinks<TracingSinks>();

const INTERNAL = 0 as SpanKind;
const STATUS = { unset: 0 as SpanStatusCode, ok: 1 as SpanStatusCode, error: 2 as SpanStatusCode };
const SAMPLED = 1;
const LIBRARY = { name: 'modelarts-temporal/workflow' };

type Carrier = Record<string, string>;

function carrierOf(headers: Headers): Carrier | undefined {
  const payload = headers[TRACE_HEADER];
  if (!payload) return undefined;
  try {
    const value = defaultPayloadConverter.fromPayload<unknown>(payload);
    return value && typeof value === 'object' ? (value as Carrier) : undefined;
  } catch {
    return undefined; // someone else's header: trace as if there was none
  }
}

/** The trace of this workflow chain: who its run span is, who its parent is, and since when it runs. */
class RunTrace {
  traceId = '';
  spanId = '';
  parentSpanId: string | undefined;
  startedMs = 0;
  runs = 1;
  private ready = false;

  /** From the start headers: the client's or the parent's context, or our own carried across continue-as-new. */
  init(headers: Headers): void {
    if (this.ready) return;
    this.ready = true;
    const info = workflowInfo();
    this.spanId = spanIdFor(info.workflowId, info.firstExecutionRunId, 'run');
    this.startedMs = info.runStartTime.getTime();
    const carrier = carrierOf(headers);
    const parent = parseTraceparent(carrier?.traceparent);
    if (!parent) {
      // Started without trace context (a schedule, an untraced client): a trace of its own, the same on every replay.
      this.traceId = traceIdFor(info.workflowId, info.firstExecutionRunId);
      return;
    }
    this.traceId = parent.traceId;
    if (parent.spanId === this.spanId) {
      // Continued from an earlier run of this chain: the span, its parent and its start time carry over.
      this.parentSpanId = carrier?.[CARRIER.runParent] || undefined;
      const started = Number(carrier?.[CARRIER.startedMs]);
      if (Number.isFinite(started) && started > 0) this.startedMs = started;
      const runs = Number(carrier?.[CARRIER.runs]);
      if (Number.isInteger(runs) && runs > 0) this.runs = runs + 1;
    } else {
      this.parentSpanId = parent.spanId;
    }
  }

  /** Headers with a traceparent naming the run span as parent (plus `extra` carrier keys). */
  headers(headers: Headers, extra: Carrier = {}): Headers {
    if (!this.ready) this.init({});
    const carrier: Carrier = {
      traceparent: formatTraceparent({ traceId: this.traceId, spanId: this.spanId, flags: SAMPLED }),
      ...extra,
    };
    return { ...headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) };
  }

  span(
    name: string,
    spanId: string,
    parentSpanId: string | undefined,
    startMs: number,
    endMs: number,
    attributes: Attributes,
    status: SpanStatus = { code: STATUS.unset },
  ): SerializableSpan {
    const end = Math.max(startMs, endMs);
    return {
      name,
      kind: INTERNAL,
      spanContext: { traceId: this.traceId, spanId, traceFlags: SAMPLED },
      parentSpanId,
      startTime: hrTime(startMs),
      endTime: hrTime(end),
      duration: hrTime(end - startMs),
      status,
      attributes,
      links: [],
      events: [],
      ended: true,
      droppedAttributesCount: 0,
      droppedLinksCount: 0,
      droppedEventsCount: 0,
      instrumentationLibrary: LIBRARY,
    };
  }

  emit(span: SerializableSpan): void {
    sinks[TRACING_SINK].export([span]);
  }
}

/** What the run span says about the ModelArts task (steps), read from the result, the input and search attributes. */
function taskAttributes(args: unknown[], result: unknown): Attributes {
  const info = workflowInfo();
  const attributes: Attributes = {};
  const kind = (args[0] as { spec?: { kind?: unknown } } | undefined)?.spec?.kind;
  if (typeof kind === 'string') attributes['modelarts.task_kind'] = kind;
  const datasetId = info.typedSearchAttributes.get(DatasetIdKey);
  // A sealed run's search attributes hold keyed hashes: its spans carry those, never the clear ids of its result.
  const sealed = isSearchHash(datasetId);
  const fromResult = sealed ? undefined : (result as { taskId?: unknown } | undefined)?.taskId;
  const taskId = typeof fromResult === 'string' ? fromResult : info.typedSearchAttributes.get(TaskIdKey);
  if (taskId) attributes['modelarts.task_id'] = taskId;
  if (datasetId) attributes['modelarts.dataset_id'] = datasetId;
  const steps = (result as { steps?: unknown } | undefined)?.steps;
  if (Array.isArray(steps)) attributes['modelarts.steps'] = steps.length;
  return attributes;
}

class TracingInbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly trace: RunTrace) {}

  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    this.trace.init(input.headers);
    try {
      const result = await next(input);
      this.end('succeeded', input.args, result, { code: STATUS.ok });
      return result;
    } catch (err) {
      // A continue-as-new is not an end: the next run emits the span.
      if (err instanceof ContinueAsNew) throw err;
      if (isCancellation(err)) this.end('cancelled', input.args, undefined, { code: STATUS.unset });
      else this.end('failed', input.args, undefined, { code: STATUS.error, message: messageOf(err) });
      throw err;
    }
  }

  private end(outcome: string, args: unknown[], result: unknown, status: SpanStatus): void {
    const info = workflowInfo();
    const { trace } = this;
    trace.emit(
      trace.span(
        `Workflow:${info.workflowType}`,
        trace.spanId,
        trace.parentSpanId,
        trace.startedMs,
        Date.now(),
        {
          temporalWorkflowId: info.workflowId,
          run_id: info.runId,
          'temporal.workflow_type': info.workflowType,
          'modelarts.outcome': outcome,
          'modelarts.runs': trace.runs,
          ...taskAttributes(args, result),
        },
        status,
      ),
    );
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class TracingOutbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly trace: RunTrace) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    return next({ ...input, headers: this.trace.headers(input.headers) });
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    return next({ ...input, headers: this.trace.headers(input.headers) });
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) {
    return next({ ...input, headers: this.trace.headers(input.headers) });
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>) {
    const { trace } = this;
    const headers = trace.headers(input.headers, {
      [CARRIER.runParent]: trace.parentSpanId ?? '',
      [CARRIER.startedMs]: String(trace.startedMs),
      [CARRIER.runs]: String(trace.runs),
    });
    return next({ ...input, headers });
  }

  /** A planned sleep: an instant span with its delay and its reason (the timer's summary). */
  startTimer(input: TimerInput, next: Next<WorkflowOutboundCallsInterceptor, 'startTimer'>) {
    const { trace } = this;
    if (!trace.spanId) trace.init({});
    const info = workflowInfo();
    const now = Date.now();
    trace.emit(
      trace.span(
        'Sleep',
        spanIdFor(info.workflowId, info.firstExecutionRunId, `sleep:${info.runId}:${input.seq}`),
        trace.spanId,
        now,
        now,
        {
          temporalWorkflowId: info.workflowId,
          'modelarts.sleep.delay_ms': input.durationMs,
          'modelarts.sleep.reason': input.options?.summary ?? 'timer',
          'modelarts.sleep.until': new Date(now + input.durationMs).toISOString(),
        },
      ),
    );
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const trace = new RunTrace();
  return { inbound: [new TracingInbound(trace)], outbound: [new TracingOutbound(trace)] };
};
