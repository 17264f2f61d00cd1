/**
 * The client's error types and the single place (`classifyError`) that decides whether a failure is worth retrying.
 * The client itself never retries (except once after a token refresh); callers such as Temporal activities use the
 * classification. Messages carry ModelArts' error_code, error_msg and request id, never credentials.
 */
import { ConfigError } from '../config-error.js';
import { MAX_RETRY_AFTER_MS, truncateText } from './bounded.js';
import { redactSecrets } from './redact.js';

export class ModelArtsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface ApiErrorDetails {
  httpStatus: number;
  errorCode?: string;
  errorMsg?: string;
  requestId?: string;
  /** From a `Retry-After` header, in milliseconds. */
  retryAfterMs?: number;
  method: string;
  /** Path without query, e.g. `/v2/{project}/datasets/{id}`. */
  path: string;
  /** How the request was authenticated; decides whether a 401 can heal by itself (a refreshable IAM token). */
  authMode?: 'aksk' | 'iam' | 'token';
}

/** The service answered with a non-2xx status. */
export class ModelArtsApiError extends ModelArtsError {
  readonly httpStatus: number;
  readonly errorCode: string | undefined;
  readonly errorMsg: string | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly authMode: ApiErrorDetails['authMode'];

  constructor(details: ApiErrorDetails) {
    const code = details.errorCode ? ` ${details.errorCode}` : '';
    // Bounded: the message travels into failures and history, where Temporal limits payloads to 2 MB.
    const errorMsg = details.errorMsg === undefined ? undefined : truncateText(redactSecrets(details.errorMsg));
    const msg = errorMsg ? `: ${errorMsg}` : '';
    const rid = details.requestId ? ` (request id ${truncateText(details.requestId, 128)})` : '';
    super(`ModelArts ${details.method} ${details.path} failed with HTTP ${details.httpStatus}${code}${msg}${rid}`);
    this.httpStatus = details.httpStatus;
    this.errorCode = details.errorCode === undefined ? undefined : truncateText(details.errorCode, 128);
    this.errorMsg = errorMsg;
    this.requestId = details.requestId;
    this.retryAfterMs = details.retryAfterMs;
    this.method = details.method;
    this.path = details.path;
    this.authMode = details.authMode;
  }

  /** 401/403: credentials missing, wrong, expired, or not allowed. */
  get isAuthError(): boolean {
    return this.httpStatus === 401 || this.httpStatus === 403;
  }
}

/** No HTTP answer: connection refused or reset, DNS failure, TLS failure, or our own timeout. */
export class ModelArtsNetworkError extends ModelArtsError {
  /** Node/got error code such as ECONNRESET, ECONNREFUSED, ETIMEDOUT. */
  readonly code: string;
  readonly timeout: boolean;
  readonly method: string;
  readonly path: string;

  constructor(
    details: { code: string; timeout: boolean; method: string; path: string; detail: string },
    options?: ErrorOptions,
  ) {
    const what = details.timeout ? 'timed out' : 'failed';
    super(
      `ModelArts ${details.method} ${details.path} ${what} (${details.code}): ${redactSecrets(details.detail)}`,
      options,
    );
    this.code = details.code;
    this.timeout = details.timeout;
    this.method = details.method;
    this.path = details.path;
  }
}

/** A 2xx answer whose body is not what the API documents (e.g. not JSON, or a create without task_id). */
export class ModelArtsResponseError extends ModelArtsError {
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly method: string,
    readonly path: string,
  ) {
    super(`ModelArts ${method} ${path}: ${message} (HTTP ${httpStatus})`);
  }
}

/**
 * A 2xx answer that is JSON but not what the API documents: a field the product reads is missing or mistyped, or
 * the body is empty, or too large. Retried a bounded number of times (a proxy can garble one answer), then final.
 */
export class ModelArtsMalformedAnswerError extends ModelArtsResponseError {
  readonly malformed = true;

  constructor(
    /** What is wrong, each problem naming its field path: `progress: expected number, got string "abc"`. */
    readonly problems: string,
    httpStatus: number,
    method: string,
    path: string,
  ) {
    super(problems, httpStatus, method, path);
    this.message = `ModelArts ${method} ${path} answered a malformed body: ${problems}`;
  }
}

export interface ValidationIssue {
  /** Dotted path such as `export_params.export_dest`. */
  field: string;
  /** Allowed values, when the field is an enum. */
  allowed?: readonly (string | number | boolean | null)[];
  message: string;
}

/** A request was rejected on the client before anything was sent. Lists every problem, each naming its field. */
export class ModelArtsValidationError extends ModelArtsError {
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[], subject = 'request') {
    super(`Invalid ${subject}: ${issues.map((i) => i.message).join('; ')}`);
    this.issues = issues;
  }

  /** The first problem's field. */
  get field(): string {
    return this.issues[0]?.field ?? '';
  }

  get allowed(): readonly (string | number | boolean | null)[] | undefined {
    return this.issues[0]?.allowed;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing error answers
// ---------------------------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

function codeAndMessage(obj: Json): { errorCode?: string; errorMsg?: string } | undefined {
  if (obj.error_code !== undefined || obj.error_msg !== undefined) {
    return { errorCode: str(obj.error_code), errorMsg: str(obj.error_msg) };
  }
  if (obj.code !== undefined || obj.message !== undefined)
    return { errorCode: str(obj.code), errorMsg: str(obj.message) };
  return undefined;
}

/**
 * Reads an error body the way the Huawei Cloud SDKs do: `error_code`/`error_msg`, then `code`/`message`, then the
 * same inside a nested object (Keystone: `{"error":{"code":401,"message":...}}`). The request id comes from the
 * `X-Request-Id` header, else the body's `request_id`. Non-JSON bodies become the message, shortened.
 */
export function parseErrorBody(
  body: string,
  headers: Record<string, string | string[] | undefined> = {},
): { errorCode?: string; errorMsg?: string; requestId?: string } {
  const header = headers['x-request-id'];
  const requestId = Array.isArray(header) ? header[0] : header;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim().slice(0, 300);
    return { errorMsg: text || undefined, requestId };
  }
  return boundedParts(partsOf(parsed, requestId));
}

function boundedParts(parts: { errorCode?: string; errorMsg?: string; requestId?: string }) {
  return {
    ...(parts.errorCode !== undefined && { errorCode: truncateText(parts.errorCode, 128) }),
    ...(parts.errorMsg !== undefined && { errorMsg: truncateText(parts.errorMsg) }),
    ...(parts.requestId !== undefined && { requestId: truncateText(parts.requestId, 128) }),
  };
}

function partsOf(
  parsed: unknown,
  requestId: string | undefined,
): { errorCode?: string; errorMsg?: string; requestId?: string } {
  if (!isObject(parsed)) return { requestId };
  requestId ??= str(parsed.request_id);
  const direct = codeAndMessage(parsed);
  if (direct) return { ...direct, requestId };
  for (const value of Object.values(parsed)) {
    if (isObject(value)) {
      const nested = codeAndMessage(value);
      if (nested) return { ...nested, requestId: requestId ?? str(value.request_id) };
    }
  }
  return { requestId };
}

/**
 * `Retry-After` as delta-seconds or an HTTP-date; undefined when absent or unparseable. Never negative, never more
 * than an hour (MAX_RETRY_AFTER_MS).
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  // Capped: `Retry-After: 99999999` (three years) is a broken server, not a plan.
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.min(MAX_RETRY_AFTER_MS, Math.round(Number(trimmed) * 1000));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - now));
}

// ---------------------------------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------------------------------

export interface ErrorClassification {
  retryable: boolean;
  retryAfterMs?: number;
  reason: string;
  /**
   * True when a non-GET request may have been applied although it failed (timeout, dropped connection, 5xx from a
   * gateway). A create in that state must be reconciled (list and reattach), never blindly repeated.
   */
  mayHaveSucceeded?: boolean;
  /** The service answered, but not in the documented shape (ModelArtsMalformedAnswerError): retry a few times only. */
  malformed?: boolean;
}

/**
 * 401 codes that a fresh IAM token fixes. The client already refreshes once; if the 401 still reaches the caller in
 * IAM password mode, a later attempt gets a new token, so it is retryable there (and only there: APIG.0301 is also
 * the answer to a wrong AK/SK signature, and a fixed token does not get better).
 */
export const TOKEN_EXPIRED_CODES: ReadonlySet<string> = new Set(['ModelArts.4127', 'ModelArts.4201', 'APIG.0301']);

/** Error codes whose HTTP status alone would classify them wrongly. */
const CODE_OVERRIDES: Record<string, { retryable: boolean; retryAfterMs?: number; reason: string }> = {
  // 400, but "one dataset version can be released in a minute, please try again later".
  'ModelArts.4370': { retryable: true, retryAfterMs: 60_000, reason: 'version release rate limit (one per minute)' },
  // 400 "Running tasks has exceed the max threshold": capacity frees up as tasks finish.
  'ModelArts.4409': { retryable: true, reason: 'too many running tasks' },
  // 5xx that retrying does not fix: quota exhausted, or a task of that kind is already running.
  'ModelArts.4354': { retryable: false, reason: 'insufficient dataset quota' },
  'ModelArts.4385': { retryable: false, reason: 'an auto deploy task already exists' },
  'ModelArts.4386': { retryable: false, reason: 'an auto labeling task already exists' },
  'ModelArts.4387': { retryable: false, reason: 'a pre-label task already exists' },
};

export function classifyError(err: unknown): ErrorClassification {
  if (err instanceof ModelArtsValidationError)
    return { retryable: false, reason: 'invalid request (client-side validation)' };
  if (err instanceof ConfigError) return { retryable: false, reason: 'invalid configuration' };
  if (err instanceof ModelArtsNetworkError) {
    return {
      retryable: true,
      reason: err.timeout ? `timeout (${err.code})` : `network error (${err.code})`,
      mayHaveSucceeded: err.method !== 'GET',
    };
  }
  if (err instanceof ModelArtsMalformedAnswerError) {
    return { retryable: true, reason: 'malformed answer', mayHaveSucceeded: err.method !== 'GET', malformed: true };
  }
  if (err instanceof ModelArtsResponseError) {
    return { retryable: true, reason: 'unexpected response body', mayHaveSucceeded: err.method !== 'GET' };
  }
  if (err instanceof ModelArtsApiError) return classifyApiError(err);
  return { retryable: false, reason: `unexpected error: ${err instanceof Error ? err.name : typeof err}` };
}

function classifyApiError(err: ModelArtsApiError): ErrorClassification {
  const label = `HTTP ${err.httpStatus}${err.errorCode ? ` ${err.errorCode}` : ''}`;
  const override = err.errorCode ? CODE_OVERRIDES[err.errorCode] : undefined;
  if (override) {
    const retryAfterMs = err.retryAfterMs ?? override.retryAfterMs;
    return {
      retryable: override.retryable,
      reason: `${label}: ${override.reason}`,
      ...(retryAfterMs !== undefined && override.retryable ? { retryAfterMs } : {}),
    };
  }
  const status = err.httpStatus;
  if (status === 429) {
    return {
      retryable: true,
      reason: `${label}: throttled`,
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    };
  }
  if (status === 401 && err.authMode === 'iam' && (!err.errorCode || TOKEN_EXPIRED_CODES.has(err.errorCode))) {
    return { retryable: true, reason: `${label}: token expired or invalid; a new one will be requested` };
  }
  if (status >= 500) {
    return {
      retryable: true,
      reason: `${label}: server error`,
      mayHaveSucceeded: err.method !== 'GET',
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    };
  }
  if (status === 408)
    return { retryable: true, reason: `${label}: request timeout`, mayHaveSucceeded: err.method !== 'GET' };
  return { retryable: false, reason: `${label}: ${err.isAuthError ? 'not authorized' : 'client error'}` };
}
