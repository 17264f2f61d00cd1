/**
 * The simulator's own admin API under `/_sim/` (not part of ModelArts; no auth, no faults):
 *
 *   GET  /_sim/health                          → 200 {"status":"ok","project_id","now"}
 *   GET  /_sim/counters                        → 200 Counters (see types.ts)
 *   GET  /_sim/faults                          → 200 FaultConfig in force
 *   PUT  /_sim/faults                          → body FaultConfig, replaces it; 200 with the new config
 *   GET  /_sim/requests                        → 200 LoggedRequest[] (every ModelArts request the gateway saw)
 *   DELETE /_sim/requests                      → 204; the request log starts again
 *   POST /_sim/datasets                        → body SeedDataset (dataset_name required); 201 with the dataset view
 *   PUT  /_sim/datasets/{id}/behavior          → body Partial<TaskBehavior>, default for new tasks on the dataset
 *   POST /_sim/datasets/{id}/next-behavior     → body Partial<TaskBehavior>, for the next task created only
 *   POST /_sim/tokens                          → body {"expires_in_ms"?} (optional); 201 {"token","expires_at"(epoch ms)}
 *   POST /_sim/tokens/expire                   → 204; every issued token now answers 401 ModelArts.4127
 *   GET  /_sim/policy                          → 200 the IAM policy in force, or null
 *   PUT  /_sim/policy                          → body an IAM custom policy (Version 1.1); 200 with it; calls it does
 *                                                not allow answer 403 ModelArts.0108 naming the action
 *   DELETE /_sim/policy                        → 204; no policy, every authenticated call allowed
 *   GET  /_sim/denials                         → 200 [{atMs, method, route, action}]: calls the policy refused
 *
 * FaultConfig fields (all optional; PUT replaces the whole config): `throttleRate`, `retryAfterSeconds` (sent as
 * `Retry-After` on injected 429s; `99999999` is the absurd three-year one), `throttleCode`, `serverErrorRate`,
 * `dropRate`, `dropPhase`, `slowRate`, `slowMs`, `rpmLimit`, `holdCreateAnswerMs`, `apiLimit`, `onlyPaths`
 * (`status`: only GETs of one task or version; `all`, the default: every ModelArts route; applies to every fault
 * here), and the answer faults, where the request takes effect but the answer is not in the documented shape:
 *   `answerFields`    {"progress":"abc"}: fields set at the top level of 2xx JSON answers
 *   `answerBody`      `html` (a 200 HTML page, as from a proxy's login page) or `empty` (a 200 with no body)
 *   `hugeAnswerBytes` 2xx JSON answers padded to N bytes (an unknown field), streamed without Content-Length
 *   `errorMsgBytes`   the `error_msg` of failed tasks (status and list answers) and of error answers made N bytes
 *   `answerFaultRate` probability (0..1) that the answer faults apply to a request (default 1)
 *
 * Errors: 400/404 `{"error_code":"SIM.400"|"SIM.404","error_msg"}`.
 */
import { z } from 'zod';
import type { Dataset } from '../modelarts/types.js';
import { PolicyError, parsePolicy, type IamPolicy } from '../modelarts/permissions.js';
import type { LoggedRequest } from './api-limits.js';
import type { Denial } from './policy.js';
import type { Counters, FaultConfig, TaskBehavior } from './types.js';

/** What the admin API needs of the simulator (SimulatorCore implements it; admin.ts does not import server.ts). */
export interface AdminTarget {
  readonly projectId: string;
  now(): number;
  counters(): Counters;
  readonly faults: { get(): FaultConfig };
  setFaults(faults: FaultConfig): void;
  requests(): LoggedRequest[];
  clearRequests(): void;
  createDataset(seed: Partial<Dataset> & { dataset_name?: string; behavior?: Partial<TaskBehavior> }): Dataset;
  hasDataset(id: string): boolean;
  setBehavior(datasetId: string, behavior: Partial<TaskBehavior>): void;
  queueBehavior(datasetId: string, behavior: Partial<TaskBehavior>): void;
  mintToken(expiresInMs?: number): { token: string; expiresAt: number };
  expireTokens(): void;
  readonly policy: { get(): IamPolicy | undefined; set(policy: IamPolicy | undefined): void; denials(): Denial[] };
}

const fail = z.object({ error_code: z.string().min(1), error_msg: z.string() });

export const behaviorSchema = z.strictObject({
  durationMs: z.number().min(0).optional(),
  queuedMs: z.number().min(0).optional(),
  progress: z.enum(['linear', 'stepwise', 'stalled-then-jump', 'none']).optional(),
  steps: z.number().int().min(1).optional(),
  fail: fail.optional(),
  totalSamples: z.number().int().min(0).optional(),
  stopMs: z.number().min(0).optional(),
  exportRunningStatus: z.string().min(1).optional(),
  exportEndStatus: z.literal('STOPPED').optional(),
  visibleAfterMs: z.number().min(0).optional(),
  newDatasetReadyMs: z.number().min(0).optional(),
  newDatasetAbnormal: z.boolean().optional(),
});

const rate = z.number().min(0).max(1);
export const faultSchema = z.strictObject({
  throttleRate: rate.optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  throttleCode: z.enum(['ModelArts.4206', 'APIG.0308']).optional(),
  serverErrorRate: rate.optional(),
  dropRate: rate.optional(),
  dropPhase: z.enum(['before', 'after']).optional(),
  slowRate: rate.optional(),
  slowMs: z.number().int().min(0).optional(),
  rpmLimit: z.number().int().min(1).optional(),
  holdCreateAnswerMs: z.number().int().min(0).optional(),
  apiLimit: z
    .strictObject({
      perSecond: z.number().positive().optional(),
      perMinute: z.number().positive().optional(),
      code: z.enum(['ModelArts.4206', 'APIG.0308']).optional(),
    })
    .optional(),
  onlyPaths: z.enum(['status', 'all']).optional(),
  answerFields: z.record(z.string(), z.unknown()).optional(),
  answerBody: z.enum(['html', 'empty']).optional(),
  hugeAnswerBytes: z
    .number()
    .int()
    .min(1)
    .max(1024 * 1024 * 1024)
    .optional(),
  errorMsgBytes: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024)
    .optional(),
  answerFaultRate: rate.optional(),
});

const labelSchema = z.looseObject({
  name: z.string(),
  type: z.number().int().optional(),
  property: z.record(z.string(), z.string()).optional(),
});

const seedSchema = z.strictObject({
  dataset_id: z
    .string()
    .regex(/^[A-Za-z0-9]{1,64}$/)
    .optional(),
  dataset_name: z.string(),
  dataset_type: z.number().int().optional(),
  description: z.string().optional(),
  work_path: z.string().optional(),
  data_path: z.string().optional(),
  labels: z.array(labelSchema).optional(),
  total_sample_count: z.number().int().min(0).optional(),
  annotated_sample_count: z.number().int().min(0).optional(),
  behavior: behaviorSchema.optional(),
});

export interface AdminAnswer {
  status: number;
  body?: unknown;
}

const bad = (msg: string): AdminAnswer => ({ status: 400, body: { error_code: 'SIM.400', error_msg: msg } });
const notFound = (msg: string): AdminAnswer => ({ status: 404, body: { error_code: 'SIM.404', error_msg: msg } });

function parse<T>(
  schema: z.ZodType<T>,
  raw: Buffer,
  allowEmpty = false,
): { ok: true; value: T } | { ok: false; answer: AdminAnswer } {
  let json: unknown = {};
  if (raw.length > 0 || !allowEmpty) {
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return { ok: false, answer: bad('body is not JSON') };
    }
  }
  const result = schema.safeParse(json);
  if (!result.success) return { ok: false, answer: bad(z.prettifyError(result.error)) };
  return { ok: true, value: result.data };
}

export function handleAdmin(core: AdminTarget, method: string, path: string, body: Buffer): AdminAnswer {
  const route = `${method} ${path}`;
  if (route === 'GET /_sim/health')
    return { status: 200, body: { status: 'ok', project_id: core.projectId, now: core.now() } };
  if (route === 'GET /_sim/counters') return { status: 200, body: core.counters() };
  if (route === 'GET /_sim/faults') return { status: 200, body: core.faults.get() };
  if (route === 'PUT /_sim/faults') {
    const parsed = parse(faultSchema, body);
    if (!parsed.ok) return parsed.answer;
    core.setFaults(parsed.value);
    return { status: 200, body: core.faults.get() };
  }
  if (route === 'GET /_sim/requests') return { status: 200, body: core.requests() };
  if (route === 'DELETE /_sim/requests') {
    core.clearRequests();
    return { status: 204 };
  }
  if (route === 'POST /_sim/datasets') {
    const parsed = parse(seedSchema, body);
    if (!parsed.ok) return parsed.answer;
    let dataset: Dataset;
    try {
      dataset = core.createDataset(parsed.value);
    } catch (error) {
      return bad((error as Error).message);
    }
    return { status: 201, body: dataset };
  }
  if (route === 'POST /_sim/tokens') {
    const parsed = parse(z.strictObject({ expires_in_ms: z.number().int().min(0).optional() }), body, true);
    if (!parsed.ok) return parsed.answer;
    const { token, expiresAt } = core.mintToken(parsed.value.expires_in_ms);
    return { status: 201, body: { token, expires_at: expiresAt } };
  }
  if (route === 'POST /_sim/tokens/expire') {
    core.expireTokens();
    return { status: 204 };
  }
  if (route === 'GET /_sim/policy') return { status: 200, body: core.policy.get() ?? null };
  if (route === 'PUT /_sim/policy') {
    let policy: IamPolicy;
    try {
      policy = parsePolicy(JSON.parse(body.toString('utf8')), 'PUT /_sim/policy');
    } catch (error) {
      if (error instanceof PolicyError) return bad(error.message);
      return bad('body is not JSON');
    }
    core.policy.set(policy);
    return { status: 200, body: policy };
  }
  if (route === 'DELETE /_sim/policy') {
    core.policy.set(undefined);
    return { status: 204 };
  }
  if (route === 'GET /_sim/denials') return { status: 200, body: core.policy.denials() };
  const behavior = /^\/_sim\/datasets\/([^/]+)\/(behavior|next-behavior)$/.exec(path);
  if (
    behavior &&
    ((method === 'PUT' && behavior[2] === 'behavior') || (method === 'POST' && behavior[2] === 'next-behavior'))
  ) {
    const id = decodeURIComponent(behavior[1]!);
    if (!core.hasDataset(id)) return notFound(`no dataset ${id}`);
    const parsed = parse(behaviorSchema, body);
    if (!parsed.ok) return parsed.answer;
    if (behavior[2] === 'behavior') core.setBehavior(id, parsed.value);
    else core.queueBehavior(id, parsed.value);
    return { status: 200, body: { dataset_id: id, behavior: parsed.value } };
  }
  return notFound(`no admin route ${route}`);
}
