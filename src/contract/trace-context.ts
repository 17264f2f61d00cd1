/**
 * Trace context shared by the workflow interceptor (src/workflows/tracing.ts), the worker's span sink and the tests:
 * W3C traceparent parsing and the deterministic ids of the spans a workflow emits when it ends. Pure code, safe in
 * the workflow sandbox: no Node built-ins, no Math.random.
 *
 * Ids are FNV-1a 64 hashes of the workflow id, its first run id (the same across continue-as-new) and a role, so a
 * step's span id is known from its first workflow task on, and activity spans emitted hours before the step ends
 * already name it as their parent.
 */
import type { SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import type { Sinks } from '@temporalio/workflow';

/** The header the SDK's OpenTelemetry interceptors read and write: a JSON text map such as `{ traceparent }`. */
export const TRACE_HEADER = '_tracer-data';

/** Extra keys of our own in the carrier a continue-as-new passes on (W3C propagators ignore unknown keys). */
export const CARRIER = {
  /** The span id of the run span's parent ('' when the run span is a root). */
  runParent: 'x-modelarts-run-parent',
  /** When the first run of the chain started (epoch ms): the run span is back-dated to it. */
  startedMs: 'x-modelarts-started-ms',
  /** How many runs the chain had so far (1 = the first run). */
  runs: 'x-modelarts-runs',
} as const;

/** The sink the workflow interceptor emits its finished spans through (registered on every worker). */
export const TRACING_SINK = 'modelartsTracing';

export interface TracingSinks extends Sinks {
  [TRACING_SINK]: { export(spans: SerializableSpan[]): void };
}

export interface TraceParent {
  traceId: string;
  spanId: string;
  /** W3C trace flags; bit 0 = sampled. */
  flags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A W3C traceparent (version 00 and later), or undefined when malformed or an id is all zeros. */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!m || m[1] === 'ff') return undefined;
  const [, , traceId, spanId, flags] = m;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, flags: parseInt(flags!, 16) };
}

export function formatTraceparent({ traceId, spanId, flags }: TraceParent): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, '0')}`;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/** FNV-1a 64 of the UTF-8 bytes of `text`, as 16 hex digits. */
export function fnv1a64(text: string): string {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  return hash.toString(16).padStart(16, '0');
}

/** A hash that is never the invalid all-zero id. */
const nonZero = (hex: string) => (/^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex);

/** The span id of `role` (e.g. `run`, `sleep:<runId>:<seq>`) in the workflow chain `workflowId` + `firstRunId`. */
export function spanIdFor(workflowId: string, firstRunId: string, role: string): string {
  return nonZero(fnv1a64(`${workflowId}\u0000${firstRunId}\u0000${role}`));
}

/** The trace id of a run started without trace context (by a schedule, or by a client without tracing). */
export function traceIdFor(workflowId: string, firstRunId: string): string {
  const key = `${workflowId}\u0000${firstRunId}\u0000trace`;
  return nonZero(fnv1a64(`${key}\u0000hi`) + fnv1a64(`${key}\u0000lo`));
}

/** Milliseconds since the epoch as OpenTelemetry's [seconds, nanoseconds]. */
export function hrTime(ms: number): [number, number] {
  const whole = Math.floor(ms);
  return [Math.floor(whole / 1000), (whole % 1000) * 1_000_000 + Math.round((ms - whole) * 1_000_000)];
}
