/**
 * The client span of one ModelArts request: what it is named and which attributes it carries. One seam
 * (`httpSpanAttributes`) decides the attributes, so a sealed mode can drop identifying ones in one place. The name
 * and the route are templates (`GET /v2/{project_id}/datasets/{dataset_id}`), never a path with ids.
 * OpenTelemetry API only: a no-op until a tracer provider is registered (src/tracing/provider.ts).
 */
import { context, createContextKey, type Attributes, type Context } from '@opentelemetry/api';

/** The activity attempt a request belongs to, put in the context by the worker's activity interceptor. */
const ATTEMPT_KEY = createContextKey('modelarts.activity_attempt');

export function withActivityAttempt(ctx: Context, attempt: number): Context {
  return ctx.setValue(ATTEMPT_KEY, attempt);
}

export function activityAttempt(ctx: Context = context.active()): number | undefined {
  const value = ctx.getValue(ATTEMPT_KEY);
  return typeof value === 'number' ? value : undefined;
}

/** What is known about one request once it ended (or failed on the network). */
export interface HttpSpanFacts {
  method: string;
  route: string;
  status?: number;
  /** ModelArts' `error_code` of an error answer. */
  errorCode?: string;
  /** The service's `X-Request-Id`, for support tickets. */
  requestId?: string;
  attempt?: number;
  /** A network failure's code (ECONNRESET, ETIMEDOUT, ...). */
  networkError?: string;
}

export const httpSpanName = (method: string, route: string) => `${method} ${route}`;

/** The span's attributes (OpenTelemetry HTTP semantic conventions plus ours under `modelarts.`). */
export function httpSpanAttributes(facts: HttpSpanFacts): Attributes {
  const attributes: Attributes = {
    'http.request.method': facts.method,
    'url.template': facts.route,
    'modelarts.throttled': facts.status === 429,
  };
  if (facts.status !== undefined) attributes['http.response.status_code'] = facts.status;
  if (facts.errorCode) attributes['modelarts.error_code'] = facts.errorCode;
  if (facts.requestId) attributes['modelarts.request_id'] = facts.requestId;
  if (facts.attempt !== undefined) attributes['modelarts.attempt'] = facts.attempt;
  if (facts.networkError) attributes['error.type'] = facts.networkError;
  else if (facts.status !== undefined && facts.status >= 400) attributes['error.type'] = String(facts.status);
  return attributes;
}
