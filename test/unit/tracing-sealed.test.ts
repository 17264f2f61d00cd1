/**
 * Sealed spans: a failure's message (task and dataset ids, the service's error_msg) never leaves a sealed process
 * in a span's status or exception event, workflow spans from the sink included; the status code, the exception type
 * and the attributes stay. An unsealed process's spans keep their messages.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { TRACING_SINK } from '../../src/contract/trace-context.js';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { tracingConfigFromEnv } from '../../src/tracing/config.js';
import { startTracing } from '../../src/tracing/provider.js';
import { SEALED_TEXT } from '../../src/modelarts/redact.js';
import { tracingSinks } from '../../src/tracing/sink.js';

const SECRET = 'export task T9 on dataset SealedDs42 ended FAILED: ModelArts.4352 /secret-bucket/ refused';

async function spansOf(sealed: boolean) {
  const exporter = new InMemorySpanExporter();
  const config = tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })!;
  const tracing = startTracing(config, { warn: () => undefined }, { exporter, sealed });
  try {
    const span = trace.getTracer('test').startSpan('RunActivity:createExportTask', {
      attributes: { 'modelarts.error_code': 'ModelArts.4352' },
    });
    span.recordException(Object.assign(new Error(SECRET), { name: 'ModelArtsError' }));
    span.setStatus({ code: SpanStatusCode.ERROR, message: SECRET });
    span.end();
    // A workflow span, as the sink hands it over from the sandbox (src/tracing/sink.ts).
    const context = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    void tracingSinks(tracing)[TRACING_SINK].export.fn({} as never, [
      {
        name: 'RunWorkflow:exportStep',
        kind: SpanKind.INTERNAL,
        spanContext: context,
        startTime: [1, 0],
        endTime: [2, 0],
        duration: [1, 0],
        ended: true,
        status: { code: SpanStatusCode.ERROR, message: SECRET },
        attributes: { 'modelarts.task_kind': 'export' },
        links: [],
        events: [],
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
        instrumentationLibrary: { name: 'test' },
      } as never,
    ]);
    await tracing.flush();
    return exporter.getFinishedSpans();
  } finally {
    await tracing.shutdown();
  }
}

it('a sealed process exports no error message: status and exception event replaced, the rest kept', async () => {
  const [span, workflowSpan] = await spansOf(true);
  expect(workflowSpan!.name).toBe('RunWorkflow:exportStep');
  expect(workflowSpan!.status).toEqual({ code: SpanStatusCode.ERROR, message: SEALED_TEXT });
  expect(workflowSpan!.attributes['modelarts.task_kind']).toBe('export');
  expect(span!.name).toBe('RunActivity:createExportTask');
  expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: SEALED_TEXT });
  expect(span!.attributes['modelarts.error_code']).toBe('ModelArts.4352');
  const event = span!.events.find((e) => e.name === 'exception')!;
  expect(event.attributes?.['exception.type']).toBe('ModelArtsError');
  expect(event.attributes?.['exception.message']).toBe(SEALED_TEXT);
  expect(event.attributes?.['exception.stacktrace']).toBeUndefined();
  expect(span!.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(span!.duration).toBeDefined();
  const text = JSON.stringify({ status: span!.status, events: span!.events, attributes: span!.attributes });
  expect(text).not.toMatch(/SealedDs42|secret-bucket|T9/);
});

it('an unsealed process keeps the messages', async () => {
  const [span, workflowSpan] = await spansOf(false);
  expect(span!.status.message).toBe(SECRET);
  expect(workflowSpan!.status.message).toBe(SECRET);
  expect(span!.events.find((e) => e.name === 'exception')?.attributes?.['exception.message']).toBe(SECRET);
});
