/**
 * The worker's end of the workflow interceptor's sink (src/workflows/tracing.ts): spans copied out of the sandbox
 * become ReadableSpans of this process's provider. Registered on every worker; a no-op when tracing is off. Not
 * called for replayed workflow code (the SDK's default), so a replay emits no span twice.
 */
import { createTraceState } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks } from '@temporalio/worker';
import { TRACING_SINK, type TracingSinks } from '../contract/trace-context.js';
import type { Tracing } from './provider.js';

function readable(span: SerializableSpan, tracing: Tracing): ReadableSpan {
  const { spanContext, ...rest } = span;
  const { traceState, ...ids } = spanContext;
  const context = { ...ids, ...(traceState ? { traceState: createTraceState(traceState) } : {}) };
  return { ...rest, spanContext: () => context, resource: tracing.resource };
}

export function tracingSinks(tracing: Tracing | undefined): InjectedSinks<TracingSinks> {
  return {
    [TRACING_SINK]: {
      export: {
        fn: (_info, spans) => {
          if (!tracing) return;
          for (const span of spans) tracing.processor.onEnd(readable(span, tracing));
        },
      },
    },
  };
}
