/**
 * The HTTP server: one node:http listener serving ModelArts (`/v2/...`), IAM (`POST /v3/auth/tokens`) and the
 * admin API (`/_sim/...`). Every answer carries `X-Request-Id`. Order for ModelArts calls: faults (gateway level)
 * → authentication → project check → handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Dataset } from '../modelarts/types.js';
import { handleAdmin, type AdminTarget } from './admin.js';
import { ADMIN_TOKEN_VARIABLE, adminRefusal } from './admin-gate.js';
import { isLoopbackHost } from '../loopback.js';
import { Auth } from './auth.js';
import type { Context, RouteRequest } from './context.js';
import { CounterBook } from './counters.js';
import { addDataset, datasetView, materializeExport } from './datasets.js';
import { ApiError, Errors } from './errors.js';
import { ApiLimiter, type LoggedRequest } from './api-limits.js';
import { faultedJson, sendFaultedAnswer, type AnswerFault } from './answer-faults.js';
import { Faults } from './faults.js';
import { readBody, sendEmpty, sendError, sendJson } from './http.js';
import { type Clock, wallClock } from './clock.js';
import { Iam } from './iam.js';
import { Ids, randomSeed } from './ids.js';
import { PolicyGate } from './policy.js';
import { matchRoute } from './routes.js';
import { readState, StateSaver, type SimulatorState } from './state-file.js';
import { Store } from './store.js';
import type { Counters, FaultConfig, SeedDataset, Simulator, SimulatorOptions, TaskBehavior } from './types.js';

/** A fixed demo project id (32 hex, like IAM's). */
export const DEMO_PROJECT_ID = '0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d';
const DAY_MS = 24 * 60 * 60_000;

export class SimulatorCore implements AdminTarget {
  readonly projectId: string;
  readonly store: Store;
  readonly ids: Ids;
  readonly counterBook = new CounterBook();
  readonly auth: Auth;
  readonly faults: Faults;
  readonly apiLimiter: ApiLimiter;
  readonly iam: Iam;
  /** The IAM policy in force, if any (src/simulator/policy.ts). */
  readonly policy: PolicyGate;
  readonly context: Context;
  /** Present with `stateFile`. */
  private readonly saver: StateSaver | undefined;
  baseUrl = '';
  /** Aborted on close, so held or slowed answers do not keep the process alive. */
  private readonly closing = new AbortController();
  private readonly clock: Clock;
  /** Required of admin requests when set (src/simulator/admin-gate.ts). */
  private readonly adminToken: string | undefined;

  constructor(options: SimulatorOptions) {
    this.clock = options.clock ?? wallClock;
    this.adminToken = options.adminToken;
    const seed = options.seed ?? randomSeed();
    this.projectId = options.projectId ?? DEMO_PROJECT_ID;
    this.ids = new Ids(seed);
    this.store = new Store(options.defaults ?? {});
    const now = () => this.now();
    this.auth = new Auth(
      {
        projectId: this.projectId,
        requireAuth: options.requireAuth ?? true,
        tokenTtlMs: options.tokenTtlMs ?? DAY_MS,
        credentials: options.credentials ?? [],
        staticTokens: options.staticTokens ?? [],
      },
      this.ids,
      now,
    );
    this.faults = new Faults(options.faults ?? {}, seed, this.counterBook, now);
    this.apiLimiter = new ApiLimiter(now);
    this.policy = new PolicyGate(options.policy, now);
    this.iam = new Iam(
      this.auth,
      options.users ?? [],
      { id: this.projectId, name: options.projectName ?? 'eu-de' },
      () => this.baseUrl,
      this.counterBook,
    );
    this.context = {
      store: this.store,
      ids: this.ids,
      counters: this.counterBook,
      now,
      versionReleaseIntervalMs: options.versionReleaseIntervalMs ?? 60_000,
      taskTimeZoneOffsetMinutes: options.taskTimeZoneOffsetMinutes ?? 0,
      obsPathCharacters: options.obsPathCharacters ?? 'documented',
    };
    const saved = options.stateFile === undefined ? undefined : readState(options.stateFile);
    // Seeds only on a first start: the saved state already holds them, with whatever happened to them since.
    if (saved) this.restore(saved);
    else for (const dataset of options.datasets ?? []) addDataset(this.store, () => this.ids.id(), dataset, this.now());
    this.saver = options.stateFile === undefined ? undefined : new StateSaver(options.stateFile, () => this.state());
    // At once, so an unwritable path fails the start rather than the first create.
    this.saver?.saveNow();
  }

  private state(): SimulatorState {
    return {
      version: 1,
      ids: this.ids.state,
      datasets: [...this.store.datasets.values()],
      counters: this.counterBook.snapshot(),
    };
  }

  private restore(saved: SimulatorState): void {
    this.ids.state = saved.ids;
    for (const ds of saved.datasets) this.store.datasets.set(ds.id, ds);
    this.counterBook.restore(saved.counters);
  }

  now(): number {
    return this.clock.now();
  }

  /** Waits `ms`, or less if the simulator closes meanwhile. */
  private pause(ms: number): Promise<void> {
    return delay(ms, undefined, { signal: this.closing.signal }).catch(() => undefined);
  }

  /** Ends held answers and writes the state a last time (throws StateFileError if it cannot). */
  shutdown(): void {
    this.closing.abort();
    this.saver?.close();
  }

  createDataset(partial: Partial<Dataset> & { dataset_name?: string; behavior?: Partial<TaskBehavior> } = {}): Dataset {
    const seed: SeedDataset = {
      dataset_name: partial.dataset_name ?? `dataset-${this.ids.id().slice(0, 4).toLowerCase()}`,
      ...(partial.dataset_id !== undefined ? { dataset_id: partial.dataset_id } : {}),
      ...(partial.dataset_type !== undefined ? { dataset_type: partial.dataset_type } : {}),
      ...(partial.description !== undefined ? { description: partial.description } : {}),
      ...(partial.work_path !== undefined ? { work_path: partial.work_path } : {}),
      ...(partial.data_sources?.[0]?.data_path !== undefined ? { data_path: partial.data_sources[0].data_path } : {}),
      ...(partial.labels !== undefined ? { labels: partial.labels } : {}),
      ...(partial.total_sample_count !== undefined ? { total_sample_count: partial.total_sample_count } : {}),
      ...(partial.annotated_sample_count !== undefined
        ? { annotated_sample_count: partial.annotated_sample_count }
        : {}),
      ...(partial.behavior !== undefined ? { behavior: partial.behavior } : {}),
    };
    const record = addDataset(this.store, () => this.ids.id(), seed, this.now());
    this.saver?.saveNow();
    return datasetView(record, this.now());
  }

  private dataset(datasetId: string) {
    const ds = this.store.datasets.get(datasetId);
    if (!ds) throw new Error(`no dataset ${datasetId}`);
    return ds;
  }

  setBehavior(datasetId: string, behavior: Partial<TaskBehavior>): void {
    this.dataset(datasetId).behavior = { ...behavior };
    this.saver?.saveNow();
  }

  queueBehavior(datasetId: string, behavior: Partial<TaskBehavior>): void {
    this.dataset(datasetId).nextBehaviors.push({ ...behavior });
    this.saver?.saveNow();
  }

  setFaults(faults: FaultConfig): void {
    this.faults.set(faults);
  }

  requests(): LoggedRequest[] {
    return this.apiLimiter.requests();
  }

  clearRequests(): void {
    this.apiLimiter.clearLog();
  }

  counters(): Counters {
    return this.counterBook.snapshot();
  }

  /** A project-scoped token for the simulator's project, as if IAM had issued it. */
  hasDataset(id: string): boolean {
    return this.store.datasets.has(id);
  }

  mintToken(expiresInMs?: number): { token: string; expiresAt: number } {
    this.counterBook.total.tokensIssued++;
    const { token, record } = this.auth.issue('sim-user', this.projectId, expiresInMs);
    return { token, expiresAt: record.expiresAt };
  }

  expireTokens(): void {
    this.auth.expireAll();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = this.ids.requestId();
    const url = new URL(req.url ?? '/', 'http://simulator');
    const rawTarget = req.url ?? '/';
    const q = rawTarget.indexOf('?');
    const rawPath = q < 0 ? rawTarget : rawTarget.slice(0, q);
    const rawQuery = q < 0 ? '' : rawTarget.slice(q + 1);
    const method = req.method ?? 'GET';
    try {
      if (rawPath.startsWith('/_sim/')) {
        const answer =
          adminRefusal(method, req.headers, this.adminToken) ?? handleAdmin(this, method, rawPath, await readBody(req));
        if (answer.body === undefined) sendEmpty(res, answer.status, requestId);
        else sendJson(res, answer.status, answer.body, requestId);
        return;
      }
      if (method === 'POST' && (rawPath === '/v3/auth/tokens' || rawPath === '/v3/auth/tokens/')) {
        const answer = this.iam.issueTokens(await readBody(req), url.searchParams);
        sendJson(res, answer.status, answer.body, requestId, answer.headers);
        return;
      }
      await this.handleModelArts(req, res, { method, rawPath, rawQuery, query: url.searchParams, requestId });
    } catch (error) {
      const apiError = error instanceof ApiError ? error : Errors.internal();
      if (!(error instanceof ApiError)) console.error('simulator: unexpected error', error);
      if (!res.headersSent) sendError(res, apiError, requestId);
    } finally {
      // Counters of reads and faults, and anything a failed request changed.
      this.saver?.saveSoon();
    }
  }

  private async handleModelArts(
    req: IncomingMessage,
    res: ServerResponse,
    call: { method: string; rawPath: string; rawQuery: string; query: URLSearchParams; requestId: string },
  ): Promise<void> {
    const { method, rawPath, requestId } = call;
    const total = this.counterBook.total;
    total.requests++;
    /** `answerFault`: the plan's, once there is one (its `errorMsgBytes` also lengthens error answers). */
    const answerError = (error: ApiError, answerFault?: AnswerFault) => {
      total.errors++;
      if (answerFault?.errorMsgBytes !== undefined) {
        this.counterBook.faults.answers = (this.counterBook.faults.answers ?? 0) + 1;
        const body = { error_code: error.code, error_msg: error.msg, ...(error.gateway && { request_id: requestId }) };
        return sendJson(res, error.status, faultedJson(error.status, body, answerFault), requestId, error.headers);
      }
      sendError(res, error, requestId);
    };
    const match = matchRoute(method, rawPath);
    if (!match) return answerError(Errors.apiNotFound(rawPath));
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (error) {
      return answerError(error instanceof ApiError ? error : Errors.badJson());
    }

    // The gateway's per-project, per-API limits come first, as at APIG.
    const limited = this.apiLimiter.check(this.faults.get().apiLimit, {
      projectId: match.params.projectId!,
      api: match.api,
      datasetId: match.params.datasetId,
      requestId,
    });
    if (limited) {
      this.counterBook.faults.apiLimited = (this.counterBook.faults.apiLimited ?? 0) + 1;
      return answerError(limited);
    }
    const plan = this.faults.plan(match.params.projectId!, rawPath, match.statusRead);
    if (plan.delayMs > 0) await this.pause(plan.delayMs);
    if (plan.drop === 'before') return void req.socket.destroy();
    if (plan.error) return answerError(plan.error, plan.answer);

    try {
      const principal = this.auth.authenticate({
        method,
        rawPath,
        rawQuery: call.rawQuery,
        headers: req.headers,
        body,
      });
      this.auth.checkProject(principal, match.params.projectId!);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 401) total.authFailures++;
      return answerError(error, plan.answer);
    }
    // Authorization after authentication, before anything happens: a denied create creates nothing.
    const denied = this.policy.check(match.permission);
    if (denied) return answerError(denied, plan.answer);

    // Time-driven side effects (new datasets from exports, imported samples) before anyone looks.
    this.store.settle(this.now(), (ex, at) => materializeExport(this.store, ex, at));
    const request: RouteRequest = { method, path: rawPath, params: match.params, query: call.query, body };
    let result;
    try {
      result = match.handler(this.context, request);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (plan.drop === 'after') return void req.socket.destroy();
      return answerError(error, plan.answer);
    }
    // On disk before anyone hears of it: a crash right after a create must not lose the task.
    if (method !== 'GET') this.saver?.saveNow();
    if (plan.drop === 'after') return void req.socket.destroy();
    const hold = this.faults.get().holdCreateAnswerMs;
    if (match.create && result.status < 400 && hold !== undefined && hold > 0) {
      this.counterBook.faults.held++;
      await this.pause(hold);
    }
    if (res.destroyed) return;
    if (result.body === undefined) return sendEmpty(res, result.status, requestId);
    if (plan.answer) {
      this.counterBook.faults.answers = (this.counterBook.faults.answers ?? 0) + 1;
      if (await sendFaultedAnswer(res, result.status, result.body, requestId, plan.answer)) return;
      return sendJson(res, result.status, faultedJson(result.status, result.body, plan.answer), requestId);
    }
    sendJson(res, result.status, result.body, requestId);
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  // Another address is reachable from other machines, where the Host check of the admin API proves nothing.
  if (!isLoopbackHost(host) && !options.adminToken)
    throw new Error(
      `the simulator listens on ${host}, which is not this machine only: give it an admin token (${ADMIN_TOKEN_VARIABLE}), ` +
        'which its admin API (/_sim/) then requires',
    );
  const core = new SimulatorCore(options);
  const server: Server = createServer((req, res) => void core.handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  core.baseUrl = url;
  return {
    url,
    iamUrl: `${url}/v3`,
    projectId: core.projectId,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        // Last, so that a failed final save is reported with the port already released.
        core.shutdown();
      }),
    createDataset: (partial) => core.createDataset(partial),
    setBehavior: (id, behavior) => core.setBehavior(id, behavior),
    queueBehavior: (id, behavior) => core.queueBehavior(id, behavior),
    setFaults: (faults) => core.setFaults(faults),
    counters: () => core.counters(),
    requests: () => core.requests(),
    clearRequests: () => core.clearRequests(),
    issueToken: (expiresInMs) => core.mintToken(expiresInMs).token,
    expireTokens: () => core.expireTokens(),
    now: () => core.now(),
    setPolicy: (policy) => core.policy.set(policy),
    denials: () => core.policy.denials(),
  };
}
