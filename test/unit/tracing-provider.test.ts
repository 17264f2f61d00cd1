/**
 * A trace backend that is down: nothing fails, ONE warning line for the outage (not one per batch), every lost span
 * counted (the worker's modelarts_spans_dropped), and a line when the backend takes spans again.
 */
import { trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { tracingConfigFromEnv } from '../../src/tracing/config.js';
import { startTracing } from '../../src/tracing/provider.js';

it('keeps going when the backend refuses batches: one warning, lost spans counted, recovery said', async () => {
  let up = false;
  const exported: ReadableSpan[] = [];
  const backend: SpanExporter = {
    export: (spans, done: (result: ExportResult) => void) => {
      if (up) {
        exported.push(...spans);
        done({ code: ExportResultCode.SUCCESS });
      } else done({ code: ExportResultCode.FAILED, error: new Error('connect ECONNREFUSED 127.0.0.1:4318') });
    },
    shutdown: () => Promise.resolve(),
  };
  const warnings: string[] = [];
  const infos: string[] = [];
  let dropped = 0;
  const config = tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })!;
  const tracing = startTracing(
    config,
    { warn: (m) => warnings.push(m), info: (m) => infos.push(m), onDropped: (n) => (dropped += n) },
    { exporter: backend },
  );
  try {
    const tracer = trace.getTracer('test');
    const batch = async (n: number) => {
      for (let i = 0; i < n; i++) tracer.startSpan(`span-${i}`).end();
      await tracing.flush();
    };
    for (let b = 0; b < 3; b++) await batch(4);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/spans are being dropped .*ECONNREFUSED/);
    expect(dropped).toBe(12);
    expect(tracing.dropped()).toBe(12);
    up = true;
    await batch(2);
    expect(exported).toHaveLength(2);
    expect(infos).toEqual([expect.stringMatching(/takes spans again/)]);
    expect(warnings).toHaveLength(1);
  } finally {
    await tracing.shutdown();
  }
});
