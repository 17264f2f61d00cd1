/**
 * The one place that calls got. Never retries (retries are the caller's decision: a create must not be repeated
 * blindly), never follows redirects, never throws on HTTP status; network failures and timeouts become
 * ModelArtsNetworkError. The got error is not attached as `cause` because it carries the request headers.
 * The answer is counted as it streams in and abandoned past `maxBytes`, so a huge answer costs at most that much.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import got, { RequestError, TimeoutError } from 'got';
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_MAX_ANSWER_BYTES, formatBytes } from './bounded.js';
import { ModelArtsMalformedAnswerError, ModelArtsNetworkError, parseErrorBody } from './errors.js';
import { activityAttempt, httpSpanAttributes, httpSpanName, type HttpSpanFacts } from './http-span.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  /** The path as a template (`/v2/{project_id}/datasets/{dataset_id}`): the trace span's name, never the ids. */
  route: string;
  headers: Record<string, string>;
  /** Exact bytes to send (and that were signed); omitted for no body. */
  body?: string;
  timeoutMs: number;
  /** The largest answer accepted (default DEFAULT_MAX_ANSWER_BYTES). */
  maxBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const tracer = trace.getTracer('modelarts-temporal/http');

/** got with the fixed options merged once (about a quarter less CPU per request than merging them on every call). */
const request = got.extend({
  throwHttpErrors: false,
  retry: { limit: 0 },
  followRedirect: false,
  responseType: 'text',
});

/** Sends one request inside a CLIENT span (a no-op unless tracing is on): one span per request. */
export async function send(request: HttpRequest): Promise<HttpResponse> {
  const span = tracer.startSpan(httpSpanName(request.method, request.route), { kind: SpanKind.CLIENT });
  const facts: HttpSpanFacts = { method: request.method, route: request.route, attempt: activityAttempt() };
  try {
    const response = await sendUntraced(request);
    facts.status = response.status;
    facts.requestId = header(response.headers, 'x-request-id');
    if (response.status >= 400) {
      facts.errorCode = span.isRecording() ? parseErrorBody(response.body, response.headers).errorCode : undefined;
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    return response;
  } catch (err) {
    if (err instanceof ModelArtsNetworkError) facts.networkError = err.code;
    if (err instanceof ModelArtsMalformedAnswerError) facts.status = err.httpStatus;
    // The error's name or code only: its message carries the raw path with ids.
    span.setStatus({ code: SpanStatusCode.ERROR, message: facts.networkError ?? (err as Error).name });
    throw err;
  } finally {
    span.setAttributes(httpSpanAttributes(facts));
    span.end();
  }
}

async function sendUntraced(call: HttpRequest): Promise<HttpResponse> {
  const maxBytes = call.maxBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  let tooLarge: number | undefined;
  let status = 0;
  try {
    const pending = request(call.url, {
      method: call.method,
      headers: call.headers,
      ...(call.body !== undefined ? { body: call.body } : {}),
      timeout: { request: call.timeoutMs },
    });
    // A declared Content-Length over the cap ends the request at once; otherwise the bytes are counted as they come.
    void pending.on('response', (response: { statusCode: number }) => {
      status = response.statusCode;
    });
    void pending.on('downloadProgress', ({ transferred, total }: { transferred: number; total?: number }) => {
      if (transferred > maxBytes || (total !== undefined && total > maxBytes)) {
        tooLarge = Math.max(transferred, total ?? 0);
        pending.cancel();
      }
    });
    const response = await pending;
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (err) {
    if (tooLarge !== undefined) {
      throw new ModelArtsMalformedAnswerError(
        `answer larger than ${formatBytes(maxBytes)}`,
        status,
        call.method,
        call.url.pathname,
      );
    }
    if (err instanceof RequestError) {
      const timeout = err instanceof TimeoutError || err.code === 'ETIMEDOUT';
      throw new ModelArtsNetworkError({
        code: err.code || (timeout ? 'ETIMEDOUT' : 'ERR_NETWORK'),
        timeout,
        method: call.method,
        path: call.url.pathname,
        detail: err.message,
      });
    }
    throw err;
  }
}

/** First value of a response header. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
