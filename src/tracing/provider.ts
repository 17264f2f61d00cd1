/**
 * The process's tracer provider when tracing is on: spans batched to an OTLP/HTTP endpoint, context carried by
 * AsyncLocalStorage, W3C traceparent propagation (what the Temporal interceptors put in headers).
 *
 * A trace backend that is down never fails anything: spans are dropped, counted (`onDropped`, the worker's
 * `modelarts_spans_dropped` counter) and reported by ONE warning line per outage, not one per batch.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Context } from '@opentelemetry/api';
import type { TracingConfig } from './config.js';
import { SealedSpanProcessor } from './sealed-spans.js';

export interface TracingHooks {
  /** One line when spans start being lost (backend down, queue full); again only after a recovery. */
  warn: (message: string) => void;
  /** When the backend answers again after a warning. */
  info?: (message: string) => void;
  /** Spans lost: export failures and queue overflows. */
  onDropped?: (count: number) => void;
}

export interface Tracing {
  readonly config: TracingConfig;
  readonly resource: Resource;
  /** Where finished spans go, including the workflow spans the sink receives (src/tracing/sink.ts). */
  readonly processor: SpanProcessor;
  /** Spans lost so far. */
  dropped(): number;
  /** Exports what is queued; never rejects (a backend that is down loses the spans, counted). */
  flush(): Promise<void>;
  /** Flushes, then stops exporting and unregisters the global provider. */
  shutdown(): Promise<void>;
}

/** Counts what is lost on the way: spans refused by a full queue, and batches the backend did not take. */
class Accounting {
  pending = 0;
  lost = 0;
  private failing = false;

  constructor(
    private readonly hooks: TracingHooks,
    private readonly target: string,
  ) {}

  drop(count: number, why: string): void {
    this.lost += count;
    this.hooks.onDropped?.(count);
    if (this.failing) return;
    this.failing = true;
    this.hooks.warn(`tracing: spans are being dropped (${why}); exports go on, lost spans are counted`);
  }

  recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.hooks.info?.(`tracing: ${this.target} takes spans again`);
  }
}

class CountingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly accounting: Accounting,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.accounting.pending = Math.max(0, this.accounting.pending - spans.length);
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.accounting.recovered();
      else
        this.accounting.drop(
          spans.length,
          `the trace backend did not take a batch: ${result.error?.message ?? 'failed'}`,
        );
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** The batch processor, with the spans it would drop silently (queue full) counted first. */
class CountingProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly accounting: Accounting,
    private readonly maxQueueSize: number,
  ) {}

  onStart(span: Span, parent: Context): void {
    this.inner.onStart(span, parent);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 1) {
      if (this.accounting.pending >= this.maxQueueSize) {
        this.accounting.drop(1, `more than ${this.maxQueueSize} spans waiting (OTEL_BSP_MAX_QUEUE_SIZE)`);
        return;
      }
      this.accounting.pending++;
    }
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

let current: Tracing | undefined;

/** The provider registered in this process, if tracing is on. */
export function currentTracing(): Tracing | undefined {
  return current;
}

export interface TracingOptions {
  /** Replaces the OTLP exporter (tests use the SDK's InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** A sealed process: spans leave without error messages (src/tracing/sealed-spans.ts). */
  sealed?: boolean;
}

/** Starts tracing and registers it globally; a second call returns the first provider (one per process). */
export function startTracing(
  config: TracingConfig,
  hooks: TracingHooks,
  { exporter, sealed }: TracingOptions = {},
): Tracing {
  if (current) return current;
  const resource = new Resource({ ...config.resourceAttributes, 'service.name': config.serviceName });
  const accounting = new Accounting(hooks, config.url);
  const otlp =
    exporter ??
    new OTLPTraceExporter({
      url: config.url,
      headers: config.headers,
      ...(config.timeoutMs !== undefined && { timeoutMillis: config.timeoutMs }),
    });
  const counting = new CountingProcessor(
    new BatchSpanProcessor(new CountingExporter(otlp, accounting), config.batch),
    accounting,
    config.batch.maxQueueSize,
  );
  const processor = sealed ? new SealedSpanProcessor(counting) : counting;
  const provider = new BasicTracerProvider({
    resource,
    sampler:
      config.sampler === 'always_on' ? new AlwaysOnSampler() : new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [processor],
  });
  provider.register({
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new W3CTraceContextPropagator(),
  });
  const tracing: Tracing = {
    config,
    resource,
    processor,
    dropped: () => accounting.lost,
    // A failed export is already counted and warned about: flushing never fails the caller.
    flush: () => provider.forceFlush().catch(() => undefined),
    shutdown: async () => {
      if (current === tracing) current = undefined;
      await provider.shutdown().catch(() => undefined);
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  current = tracing;
  return tracing;
}
