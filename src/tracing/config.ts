/**
 * Tracing configuration from the standard OpenTelemetry variables. Off unless an OTLP endpoint is set. Every OTEL_*
 * variable we read is checked up front, so a wrong value stops the worker or the CLI at start with a message naming
 * the variable (ConfigError), not a silent loss of every span later.
 */
import { ConfigError } from '../config-error.js';

type Env = Record<string, string | undefined>;

export type TracingSampler = 'always_on' | 'parentbased_always_on';

export interface TracingConfig {
  /** Where spans are POSTed (OTLP/HTTP with JSON bodies). */
  url: string;
  /** Extra request headers (e.g. an API key of the backend): secret, never logged. */
  headers: Record<string, string>;
  timeoutMs?: number;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  batch: {
    scheduledDelayMillis?: number;
    exportTimeoutMillis?: number;
    maxQueueSize: number;
    maxExportBatchSize?: number;
  };
  sampler: TracingSampler;
}

export const DEFAULT_SERVICE_NAME = 'modelarts-export';
/** The SDK's default queue size (OTEL_BSP_MAX_QUEUE_SIZE): spans beyond it are dropped and counted. */
export const DEFAULT_MAX_QUEUE_SIZE = 2048;
/** The only OTLP protocol the installed exporter (@opentelemetry/exporter-trace-otlp-http) sends. */
export const SUPPORTED_PROTOCOL = 'http/json';
const SAMPLERS: readonly TracingSampler[] = ['always_on', 'parentbased_always_on'];

/** The OTEL_* variables this module reads (src/env-reference.ts documents each). */
export const TRACING_VARIABLES = [
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'OTEL_EXPORTER_OTLP_TIMEOUT',
  'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_SAMPLER',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_EXPORT_TIMEOUT',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
] as const;

/** An unset or blank variable counts as not given (compose files and .env templates leave them empty). */
const read = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

function url(env: Env, name: string, problems: string[]): URL | undefined {
  const value = read(env, name);
  if (value === undefined) return undefined;
  try {
    const parsed = new URL(value);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed;
  } catch {
    // reported below
  }
  problems.push(`${name} must be an http:// or https:// URL, e.g. http://127.0.0.1:4318; got ${JSON.stringify(value)}`);
  return undefined;
}

function boolean(env: Env, name: string, problems: string[]): boolean {
  const value = read(env, name)?.toLowerCase();
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  problems.push(`${name} must be true or false; got ${JSON.stringify(env[name])}`);
  return false;
}

function wholeNumber(env: Env, name: string, problems: string[], min: number): number | undefined {
  const value = read(env, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (Number.isInteger(n) && n >= min) return n;
  problems.push(`${name} must be a whole number of at least ${min}; got ${JSON.stringify(value)}`);
  return undefined;
}

/** `key1=value1,key2=value2` with percent-encoded values (the W3C Baggage format the spec uses for both lists). */
export function parseKeyValueList(name: string, value: string | undefined, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined) return out;
  for (const item of value.split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq).trim() : '';
    if (!key) {
      problems.push(
        `${name} must be a list of key=value pairs separated by commas; got the item ${JSON.stringify(item.trim())}`,
      );
      continue;
    }
    try {
      out[key] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      problems.push(`${name}: the value of ${key} is not valid percent-encoding`);
    }
  }
  return out;
}

/** The tracing configuration, or undefined when tracing is off. Throws ConfigError naming each bad variable. */
export function tracingConfigFromEnv(env: Env = process.env): TracingConfig | undefined {
  const problems: string[] = [];
  const disabled = boolean(env, 'OTEL_SDK_DISABLED', problems);
  const exporter = read(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none')
    problems.push(`OTEL_TRACES_EXPORTER must be otlp or none; got ${JSON.stringify(env.OTEL_TRACES_EXPORTER)}`);
  const base = url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', problems);
  const traces = url(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', problems);
  for (const name of ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']) {
    const protocol = read(env, name);
    if (protocol !== undefined && protocol !== SUPPORTED_PROTOCOL)
      problems.push(
        `${name}: only ${SUPPORTED_PROTOCOL} (OTLP over HTTP with JSON bodies) is supported; got ${JSON.stringify(protocol)}` +
          (protocol === 'grpc' ? " (for gRPC, point the endpoint at the collector's HTTP port, usually 4318)" : ''),
      );
  }
  const headers = {
    ...parseKeyValueList('OTEL_EXPORTER_OTLP_HEADERS', read(env, 'OTEL_EXPORTER_OTLP_HEADERS'), problems),
    ...parseKeyValueList('OTEL_EXPORTER_OTLP_TRACES_HEADERS', read(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'), problems),
  };
  const timeoutMs =
    wholeNumber(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', problems, 1) ??
    wholeNumber(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', problems, 1);
  const resourceAttributes = parseKeyValueList(
    'OTEL_RESOURCE_ATTRIBUTES',
    read(env, 'OTEL_RESOURCE_ATTRIBUTES'),
    problems,
  );
  // OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES (the specification's order).
  const serviceName =
    env.OTEL_SERVICE_NAME === undefined
      ? resourceAttributes['service.name'] || DEFAULT_SERVICE_NAME
      : env.OTEL_SERVICE_NAME.trim();
  if (!serviceName) problems.push('OTEL_SERVICE_NAME must not be empty (leave it unset for modelarts-export)');
  const sampler = (read(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on') as TracingSampler;
  if (!SAMPLERS.includes(sampler))
    problems.push(
      `OTEL_TRACES_SAMPLER must be ${SAMPLERS.join(' or ')} (a sampled-out step would leave its activities' spans ` +
        `without a parent); got ${JSON.stringify(env.OTEL_TRACES_SAMPLER)}`,
    );
  const batch = {
    scheduledDelayMillis: wholeNumber(env, 'OTEL_BSP_SCHEDULE_DELAY', problems, 0),
    exportTimeoutMillis: wholeNumber(env, 'OTEL_BSP_EXPORT_TIMEOUT', problems, 1),
    maxQueueSize: wholeNumber(env, 'OTEL_BSP_MAX_QUEUE_SIZE', problems, 1) ?? DEFAULT_MAX_QUEUE_SIZE,
    maxExportBatchSize: wholeNumber(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', problems, 1),
  };
  if (batch.maxExportBatchSize !== undefined && batch.maxExportBatchSize > batch.maxQueueSize)
    problems.push(
      `OTEL_BSP_MAX_EXPORT_BATCH_SIZE (${batch.maxExportBatchSize}) must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${batch.maxQueueSize})`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
  if (disabled || exporter === 'none') return undefined;
  const target =
    traces?.href ?? (base ? new URL(`${base.pathname.replace(/\/+$/, '')}/v1/traces`, base).href : undefined);
  if (target === undefined) return undefined;
  return {
    url: target,
    headers,
    ...(timeoutMs !== undefined && { timeoutMs }),
    serviceName,
    resourceAttributes,
    batch,
    sampler,
  };
}
