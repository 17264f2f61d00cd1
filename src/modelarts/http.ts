/**
 * The one place that calls got. Never retries (retries are the caller's decision: a create must not be repeated
 * blindly), never follows redirects, never throws on HTTP status; network failures and timeouts become
 * ModelArtsNetworkError. The got error is not attached as `cause` because it carries the request headers.
 */
import got, { RequestError, TimeoutError } from 'got';
import type { IncomingHttpHeaders } from 'node:http';
import { ModelArtsNetworkError } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  /** Exact bytes to send (and that were signed); omitted for no body. */
  body?: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export async function send(request: HttpRequest): Promise<HttpResponse> {
  try {
    const response = await got(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      throwHttpErrors: false,
      retry: { limit: 0 },
      followRedirect: false,
      timeout: { request: request.timeoutMs },
      responseType: 'text',
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (err) {
    if (err instanceof RequestError) {
      const timeout = err instanceof TimeoutError || err.code === 'ETIMEDOUT';
      throw new ModelArtsNetworkError({
        code: err.code || (timeout ? 'ETIMEDOUT' : 'ERR_NETWORK'),
        timeout,
        method: request.method,
        path: request.url.pathname,
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
