/**
 * Tracing's pure parts: the OTEL_* variables (each bad one named), the deterministic span and trace ids, W3C
 * traceparent parsing, and the HTTP span attributes' seam.
 */
import { ConfigError } from '../../src/config-error.js';
import { workerConfigFromEnv } from '../../src/config.js';
import {
  formatTraceparent,
  fnv1a64,
  hrTime,
  parseTraceparent,
  spanIdFor,
  traceIdFor,
} from '../../src/contract/trace-context.js';
import { httpSpanAttributes } from '../../src/modelarts/http-span.js';
import { tracingConfigFromEnv } from '../../src/tracing/config.js';
import { MODELARTS_ENV } from '../support/worker-config.js';

const ON = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

function problems(env: Record<string, string>): string[] {
  try {
    tracingConfigFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('tracing configuration (OTEL_*)', () => {
  it('is off without an endpoint, or when disabled', () => {
    expect(tracingConfigFromEnv({})).toBeUndefined();
    expect(tracingConfigFromEnv({ OTEL_SERVICE_NAME: 'x' })).toBeUndefined();
    expect(tracingConfigFromEnv({ ...ON, OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracingConfigFromEnv({ ...ON, OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
  });

  it('sends to <endpoint>/v1/traces, or to the traces endpoint as given', () => {
    expect(tracingConfigFromEnv(ON)?.url).toBe('http://127.0.0.1:4318/v1/traces');
    expect(tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/otlp/' })?.url).toBe(
      'https://otel.example.com/otlp/v1/traces',
    );
    expect(tracingConfigFromEnv({ ...ON, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://j:4318/custom' })?.url).toBe(
      'http://j:4318/custom',
    );
  });

  it('reads the service name, resource attributes, headers, sampler and batch settings', () => {
    const config = tracingConfigFromEnv({
      ...ON,
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment=prod%20eu',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s3cret',
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_BSP_SCHEDULE_DELAY: '0',
    });
    expect(config).toMatchObject({
      serviceName: 'from-attrs',
      resourceAttributes: { 'deployment.environment': 'prod eu' },
      headers: { 'api-key': 's3cret' },
      sampler: 'always_on',
      batch: { maxQueueSize: 100, scheduledDelayMillis: 0 },
    });
    expect(tracingConfigFromEnv({ ...ON, OTEL_SERVICE_NAME: 'mine' })?.serviceName).toBe('mine');
    expect(tracingConfigFromEnv(ON)?.serviceName).toBe('modelarts-export');
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'grpc://collector:4317', /http:\/\/ or https:\/\/ URL/],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'not a url', /http:\/\/ or https:\/\/ URL/],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc', /only http\/json .*is supported.*"grpc"/],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'http/protobuf', /only http\/json .*"http\/protobuf"/],
    ['OTEL_SERVICE_NAME', '  ', /must not be empty/],
    ['OTEL_RESOURCE_ATTRIBUTES', 'team', /key=value pairs/],
    ['OTEL_EXPORTER_OTLP_HEADERS', '=x', /key=value pairs/],
    ['OTEL_BSP_MAX_QUEUE_SIZE', 'lots', /whole number/],
    ['OTEL_BSP_SCHEDULE_DELAY', '-1', /whole number/],
    ['OTEL_BSP_EXPORT_TIMEOUT', '1.5', /whole number/],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', '0', /whole number/],
    ['OTEL_TRACES_SAMPLER', 'traceidratio', /always_on or parentbased_always_on/],
    ['OTEL_TRACES_EXPORTER', 'zipkin', /otlp or none/],
    ['OTEL_SDK_DISABLED', 'yes', /true or false/],
  ])('refuses %s=%j, naming the variable', (name, value, message) => {
    const found = problems({ ...ON, [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${name}`));
    expect(found[0]).toMatch(message);
  });

  it('refuses a batch larger than the queue, and checks values even when tracing is off', () => {
    expect(problems({ ...ON, OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '11' })[0]).toMatch(
      /^OTEL_BSP_MAX_EXPORT_BATCH_SIZE \(11\) must not exceed OTEL_BSP_MAX_QUEUE_SIZE \(10\)/,
    );
    expect(problems({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })[0]).toMatch(/^OTEL_EXPORTER_OTLP_PROTOCOL/);
  });

  it('is part of the worker configuration: a bad value is a ConfigError among the others', () => {
    expect(() => workerConfigFromEnv({ ...MODELARTS_ENV, ...ON, OTEL_TRACES_SAMPLER: 'always_off' })).toThrow(
      /OTEL_TRACES_SAMPLER/,
    );
    expect(workerConfigFromEnv({ ...MODELARTS_ENV, ...ON }).tracing?.url).toBe('http://127.0.0.1:4318/v1/traces');
    expect(workerConfigFromEnv(MODELARTS_ENV).tracing).toBeUndefined();
  });
});

describe('trace context', () => {
  it('hashes with FNV-1a 64 (published vectors)', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('derives the same ids from the same workflow chain and role, and others otherwise', () => {
    const a = spanIdFor('wf', 'run-1', 'run');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(spanIdFor('wf', 'run-1', 'run')).toBe(a);
    expect(
      new Set([
        a,
        spanIdFor('wf', 'run-2', 'run'),
        spanIdFor('wf2', 'run-1', 'run'),
        spanIdFor('wf', 'run-1', 'sleep:r:1'),
      ]).size,
    ).toBe(4);
    const t = traceIdFor('wf', 'run-1');
    expect(t).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdFor('wf', 'run-1')).toBe(t);
    expect(traceIdFor('wf', 'run-2')).not.toBe(t);
  });

  it('parses and formats W3C traceparent, refusing malformed and all-zero ids', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(parseTraceparent(tp)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      flags: 1,
    });
    expect(formatTraceparent(parseTraceparent(tp)!)).toBe(tp);
    for (const bad of [
      undefined,
      42,
      '',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01',
    ])
      expect(parseTraceparent(bad)).toBeUndefined();
  });

  it('turns epoch milliseconds into OpenTelemetry time', () => {
    expect(hrTime(1_700_000_000_123)).toEqual([1_700_000_000, 123_000_000]);
  });
});

describe('HTTP span attributes (the one seam)', () => {
  it('says method, route template, status, error code, request id, attempt and throttling', () => {
    expect(
      httpSpanAttributes({
        method: 'GET',
        route: '/v2/{project_id}/datasets/{dataset_id}',
        status: 429,
        errorCode: 'ModelArts.0010',
        requestId: 'req-1',
        attempt: 3,
      }),
    ).toEqual({
      'http.request.method': 'GET',
      'url.template': '/v2/{project_id}/datasets/{dataset_id}',
      'http.response.status_code': 429,
      'modelarts.error_code': 'ModelArts.0010',
      'modelarts.request_id': 'req-1',
      'modelarts.attempt': 3,
      'modelarts.throttled': true,
      'error.type': '429',
    });
    expect(httpSpanAttributes({ method: 'POST', route: '/r', networkError: 'ECONNRESET' })).toMatchObject({
      'error.type': 'ECONNRESET',
      'modelarts.throttled': false,
    });
  });
});
