/** Helpers for the simulator tests: plain fetch over real HTTP, optional AK/SK signing, polling. */
import { signRequest, sdkDate } from '../../src/modelarts/signing.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';

export const AK = 'TESTSIMACCESSKEY0001';
export const SK = 'test-sim-secret-key-0001';
export const STATIC_TOKEN = 'static-test-token';

/** Answers are free-form JSON, checked field by field in the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Answer<T = Json> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export async function startTestSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({
    credentials: [{ accessKey: AK, secretKey: SK }],
    staticTokens: [STATIC_TOKEN],
    seed: 42,
    defaults: { durationMs: 600, queuedMs: 150, progress: 'linear' },
    ...options,
  });
}

export interface CallOptions {
  body?: unknown;
  /** Sent as-is (for malformed JSON tests). */
  rawBody?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

/** Calls `{url}{path}`; paths starting with `/datasets` are prefixed with `/v2/{projectId}`. */
export async function call<T = Json>(
  sim: Simulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer<T>> {
  const fullPath = path.startsWith('/datasets') ? `/v2/${sim.projectId}${path}` : path;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...options.headers };
  const token = options.token === undefined ? STATIC_TOKEN : options.token;
  if (token !== null) headers['X-Auth-Token'] = token;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${sim.url}${fullPath}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed as T, text, headers: response.headers };
}

export interface SignOptions {
  accessKey?: string;
  secretKey?: string;
  date?: Date;
  projectHeader?: string;
  /** More headers to send and sign. */
  extraHeaders?: Record<string, string>;
  /** Change the body after signing (to break the signature). */
  tamperBody?: string;
}

/** An AK/SK-signed call, signing content-type, host, x-sdk-date (and x-project-id when given). */
export async function signedCall<T = Json>(
  sim: Simulator,
  method: string,
  path: string,
  body?: unknown,
  o: SignOptions = {},
): Promise<Answer<T>> {
  const fullPath = path.startsWith('/datasets') ? `/v2/${sim.projectId}${path}` : path;
  const url = new URL(`${sim.url}${fullPath}`);
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Host: url.host,
    'X-Sdk-Date': sdkDate(o.date ?? new Date()),
    ...(o.projectHeader ? { 'X-Project-Id': o.projectHeader } : {}),
    ...o.extraHeaders,
  };
  const signed = signRequest(
    { method, path: url.pathname, query: [...url.searchParams.entries()], headers, body: text },
    { accessKey: o.accessKey ?? AK, secretKey: o.secretKey ?? SK },
    o.date ?? new Date(),
  );
  delete signed.Host; // fetch sets Host itself (to the same value)
  const sent = o.tamperBody ?? text;
  const response = await fetch(url, { method, headers: signed, ...(sent !== '' ? { body: sent } : {}) });
  const answer = await response.text();
  return {
    status: response.status,
    body: (answer ? JSON.parse(answer) : undefined) as T,
    text: answer,
    headers: response.headers,
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `read` every `everyMs` until `done` holds for its value; returns every value seen. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  everyMs = 20,
  timeoutMs = 10_000,
): Promise<T[]> {
  const seen: T[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    seen.push(value);
    if (done(value)) return seen;
    if (Date.now() > deadline) throw new Error(`condition not met; last value ${JSON.stringify(value)}`);
    await sleep(everyMs);
  }
}

/** Collapses runs of equal values: [a,a,b,b,c] → [a,b,c]. */
export function distinctRuns<T>(values: T[]): T[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}

export const labels = [
  { name: 'Rabbits', type: 0, property: { '@modelarts:color': '#3399ff' } },
  { name: 'Bees', type: 0, property: { '@modelarts:color': '#3399ff' } },
];

/** A dataset that meets every auto-labeling precondition. */
export function seedDataset(sim: Simulator, name: string, extra: Record<string, unknown> = {}) {
  return sim.createDataset({
    dataset_name: name,
    labels,
    total_sample_count: 50,
    annotated_sample_count: 20,
    work_path: '/test-obs/classify/output/',
    ...extra,
  });
}
