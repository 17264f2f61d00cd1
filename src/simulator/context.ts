/** What every resource module gets: the state, the clock, ids and counters, plus the parsed request. */
import type { CounterBook } from './counters.js';
import { parseJsonObject } from './http.js';
import type { Ids } from './ids.js';
import type { Store } from './store.js';
import type { ObsPathCharacters } from './validate.js';

export interface Context {
  store: Store;
  ids: Ids;
  counters: CounterBook;
  now: () => number;
  versionReleaseIntervalMs: number;
  taskTimeZoneOffsetMinutes: number;
  obsPathCharacters: ObsPathCharacters;
}

export interface RouteRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
}

export interface RouteResult {
  status: number;
  /** Absent for 204. */
  body?: unknown;
}

export function jsonBody(req: RouteRequest): Record<string, unknown> {
  return parseJsonObject(req.body);
}

export const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
