/**
 * Sealed mode's rule for spans: a span's attributes are decided where it is made (src/modelarts/http-span.ts,
 * src/workflows/tracing.ts, which carry templates, status words and keyed hashes), but its status message and its
 * exception events carry an error's message, and a ModelArts failure's message holds the task and dataset ids and
 * the service's own error_msg (often an OBS path). A sealed process's spans leave with those texts replaced: the
 * status code, the exception type and every attribute stay, so traces still show what failed and where; the run's
 * failure message is read through the codec server.
 */
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { SEALED_TEXT } from '../modelarts/redact.js';

/** Event attributes holding an error's text (OpenTelemetry exception semantic conventions). */
const ERROR_TEXT_ATTRIBUTES = ['exception.message', 'exception.stacktrace'];

function sealedEvent(event: TimedEvent): TimedEvent {
  const attributes = event.attributes;
  if (!attributes || !ERROR_TEXT_ATTRIBUTES.some((k) => k in attributes)) return event;
  const kept = Object.fromEntries(Object.entries(attributes).filter(([k]) => !ERROR_TEXT_ATTRIBUTES.includes(k)));
  return { ...event, attributes: { ...kept, 'exception.message': SEALED_TEXT } };
}

/** The span as it leaves a sealed process: the same span (prototype chain), with its error texts replaced. */
export function sealedSpan(span: ReadableSpan): ReadableSpan {
  const hasMessage = span.status.message !== undefined && span.status.message !== '';
  const events = span.events.map(sealedEvent);
  if (!hasMessage && events.every((e, i) => e === span.events[i])) return span;
  // Object.create keeps every getter and method of the SDK's span (spanContext(), duration, ...) working.
  return Object.create(span as object, {
    status: { value: hasMessage ? { ...span.status, message: SEALED_TEXT } : span.status, enumerable: true },
    events: { value: events, enumerable: true },
  }) as ReadableSpan;
}

/** Wraps the processor that exports: every finished span (workflow spans from the sink too) goes out sealed. */
export class SealedSpanProcessor implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}

  onStart(span: Span, parent: Context): void {
    this.inner.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    this.inner.onEnd(sealedSpan(span));
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
