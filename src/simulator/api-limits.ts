/**
 * The gateway's request limits as ModelArts (APIG) enforces them: per project and per API, over a sliding second
 * and a sliding minute ("QPS = RPM/60": a burst inside a minute is throttled too). A request over either limit is
 * answered 429 with the configured code (`ModelArts.4206` or `APIG.0308`) and a Retry-After of the seconds until
 * the window has room again. Only accepted requests fill the windows. Every decision is also kept in a bounded
 * request log (`GET /_sim/requests`), so a benchmark can count requests per tenant and window.
 */
import { ApiError, Errors } from './errors.js';

export interface ApiLimitConfig {
  /** Accepted requests per second, per project and API. */
  perSecond?: number;
  /** Accepted requests per minute, per project and API. */
  perMinute?: number;
  /** The 429's error code; default ModelArts.4206. */
  code?: 'ModelArts.4206' | 'APIG.0308';
}

/** One ModelArts request as the gateway saw it. */
export interface LoggedRequest {
  atMs: number;
  projectId: string;
  api: string;
  datasetId?: string;
  /** The X-Request-Id the answer carries (what a client's trace records for this request). */
  requestId?: string;
  /** True when the gateway answered 429. */
  throttled: boolean;
}

const SECOND = 1000;
const MINUTE = 60_000;
const LOG_LIMIT = 200_000;

/** Accepted request times in one window, oldest first. */
class Window {
  private times: number[] = [];
  constructor(private readonly spanMs: number) {}

  /** Ms until a request fits under `limit`, or 0 when it fits now. */
  waitMs(now: number, limit: number): number {
    while (this.times.length > 0 && this.times[0]! <= now - this.spanMs) this.times.shift();
    if (this.times.length < limit) return 0;
    return this.times[this.times.length - limit]! + this.spanMs - now;
  }

  add(now: number): void {
    this.times.push(now);
  }
}

export class ApiLimiter {
  private readonly windows = new Map<string, { second: Window; minute: Window }>();
  private log: LoggedRequest[] = [];

  constructor(private readonly now: () => number) {}

  /** The 429 to answer, or undefined when the request is within the limits (and then counted). */
  check(
    limits: ApiLimitConfig | undefined,
    request: { projectId: string; api: string; datasetId?: string; requestId?: string },
  ): ApiError | undefined {
    const now = this.now();
    let error: ApiError | undefined;
    if (limits && (limits.perSecond !== undefined || limits.perMinute !== undefined)) {
      const key = `${request.projectId} ${request.api}`;
      const w = this.windows.get(key) ?? { second: new Window(SECOND), minute: new Window(MINUTE) };
      this.windows.set(key, w);
      const wait = Math.max(
        limits.perSecond !== undefined ? w.second.waitMs(now, limits.perSecond) : 0,
        limits.perMinute !== undefined ? w.minute.waitMs(now, limits.perMinute) : 0,
      );
      if (wait > 0) {
        const retryAfter = Math.max(1, Math.ceil(wait / 1000));
        error =
          limits.code === 'APIG.0308'
            ? Errors.gatewayThrottled(limits.perMinute ?? (limits.perSecond ?? 0) * 60, retryAfter)
            : Errors.tooManyRequests(request.api, retryAfter);
      } else {
        w.second.add(now);
        w.minute.add(now);
      }
    }
    this.log.push({ atMs: now, ...request, throttled: error !== undefined });
    if (this.log.length > LOG_LIMIT) this.log = this.log.slice(-LOG_LIMIT / 2);
    return error;
  }

  /** The logged requests at or after `sinceMs`. */
  requests(sinceMs = 0): LoggedRequest[] {
    return this.log.filter((r) => r.atMs >= sinceMs);
  }

  clearLog(): void {
    this.log = [];
  }
}
