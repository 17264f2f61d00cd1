/**
 * Scenarios 1, 2 and 5: many exports while workers are SIGKILLed and restarted, the simulated ModelArts answers
 * with 5xx, 429 + Retry-After and dropped connections (the request takes effect, the answer is lost), and, in
 * scenario 2, the Temporal dev server itself restarts on its database file. Scenario 5 is scenario 1 at the same
 * size on the native production stack (src/stack/: PostgreSQL-backed temporal-server, 3 worker processes, the
 * simulator in its own process), plus a restart of the Temporal server and one of PostgreSQL.
 *
 * Checks: every run succeeds; exactly one export task was created per run (simulator counters, and the dataset's
 * task list has exactly one task under each run's path, the one the run reports); no run failed because of a
 * transient error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { RunOutcome } from '../client/runs.js';
import { AkSkAuth } from '../modelarts/auth.js';
import { ModelArtsClient } from '../modelarts/client.js';
import type { ExportTask } from '../modelarts/types.js';
import { SimulatorAdmin } from '../simulator/admin-client.js';
import {
  DEMO_CREDENTIALS,
  DEMO_PROJECT_ID,
  type Counters,
  type FaultConfig,
  type TaskBehavior,
} from '../simulator/index.js';
import { OverdueWatch } from '../exporter/watch.js';
import { startLocalStack } from '../local/stack.js';
import { AbortedError, sleep } from '../local/time.js';
import { isAlive } from '../stack/processes.js';
import { NativeStack, stopStack } from '../stack/stack.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';
import {
  awaitRunRetrying,
  seconds,
  seeded,
  startRunRetrying,
  SwappableClient,
  TRANSIENT_PATTERN,
  WorkerSupervisor,
  type Rng,
} from './support.js';

const CREDENTIALS = { accessKey: 'CHAOSAKEXAMPLE0001', secretKey: 'chaos-secret-key-0001' };
/** Fast polling, so 5–40 s tasks are observed promptly (the default policy is tuned for hour-long exports). */
export const FAST_POLICY = { minDelayMs: 200, initialDelayMs: 200, maxDelayMs: 2000 };
export const API_FAULTS = {
  serverErrorRate: 0.2,
  throttleRate: 0.1,
  retryAfterSeconds: 1,
  dropRate: 0.05,
  dropPhase: 'after',
} as const;

type Credentials = { accessKey: string; secretKey: string };
type Outage = 'server' | 'postgres';

/** The simulator as a scenario drives it: in this process, or in another one through its admin API. */
interface SimControl {
  url: string;
  projectId: string;
  /** What the checks list tasks with (the workers use the same pair). */
  credentials: Credentials;
  createDataset(seed: { dataset_name: string; total_sample_count: number }): Promise<string>;
  /** Behaviour of the next task created on the dataset (one per run, consumed in create order). */
  queueBehavior(datasetId: string, behavior: Partial<TaskBehavior>): Promise<void>;
  setFaults(faults: FaultConfig): Promise<void>;
  counters(): Promise<Counters>;
}

/** The worker processes the scenario SIGKILLs. */
interface WorkerPool {
  /** Workers running side by side (default 1). */
  readonly count?: number;
  readonly kills: number;
  /** Workers that died without being killed on purpose. */
  readonly unexpectedExits: string[];
  /** SIGKILL one worker and start a new one in its place. */
  crash(): Promise<void>;
  output(): string;
}

/** Where a durability run's Temporal server, simulator and workers come from. */
interface Backend {
  address: string;
  namespace: string;
  taskQueue: string;
  /** How the summary names the server's restarts. */
  serverName: string;
  sim: SimControl;
  workers: WorkerPool;
  /** Stops and starts each part that can be restarted; resolves once it is up again. */
  restart: Partial<Record<Outage, () => Promise<void>>>;
}

type BackendFactory = (ctx: ScenarioContext, id: string) => Promise<Backend>;

interface Plan {
  runs: number;
  datasets: number;
  durationMs: [number, number];
  kills: number;
  restarts: Record<Outage, number>;
  /** Runs are started evenly over this long. */
  startSpreadMs: number;
  /** Before each kill or restart, a random wait in this range (from when the previous one is back up). */
  gapMs: [number, number];
  /**
   * API faults are on from the first start until every kill and restart is done and 90 % of the runs have their
   * export task (at most this long), then off: the storm covers the chaos and nearly every create, and the end
   * shows convergence. Under constant faults the end would be set by the create activity's retry backoff alone
   * (up to 60 s between attempts; about half the attempts fail, since each makes two calls), minutes per run.
   */
  stormCapMs: number;
}

interface RunRecord {
  index: number;
  workflowId: string;
  datasetId: string;
  path: string;
  startAttempts: number;
  /** When the start call returned, and when the outcome arrived (epoch ms). */
  startedAt?: number;
  endedAt?: number;
  outcome?: RunOutcome;
  error?: string;
}

const PROGRESS_SHAPES: TaskBehavior['progress'][] = ['linear', 'linear', 'stepwise', 'stalled-then-jump', 'none'];

/** `p50 / p95 / max` of durations in ms, as seconds. */
function spread(values: number[]): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const s = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(1)}`;
  return `${s(at(0.5))} s, p95 ${s(at(0.95))} s, max ${s(sorted[sorted.length - 1]!)} s`;
}

/** How many attempts the create-or-reattach activity of a step took, and why the attempt before the last failed. */
async function createAttempts(client: Client, stepWorkflowId: string): Promise<string> {
  const runs: { runId: string; startTime: Date }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${stepWorkflowId}'` })) runs.push(w);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  if (!runs[0]) return 'no history';
  const history = await client.workflow.getHandle(stepWorkflowId, runs[0].runId).fetchHistory();
  const scheduled = history.events?.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createOrReattachExport',
  );
  const started = history.events?.find(
    (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
  )?.activityTaskStartedEventAttributes;
  if (!started) return 'create not found in history';
  const last = started.lastFailure?.message?.replace(/ \(request id [0-9a-f]+\)/, '').slice(0, 110);
  return `${started.attempt} attempts${last ? ` (last failure: ${last})` : ''}`;
}

async function listAllExportTasks(client: ModelArtsClient, datasetId: string): Promise<ExportTask[]> {
  const tasks: ExportTask[] = [];
  for (let page = 0; page < 50; page++) {
    const { export_tasks, total_count } = await client.listExportTasks(datasetId, { limit: 100, offset: page });
    tasks.push(...export_tasks);
    if (tasks.length >= total_count || export_tasks.length === 0) break;
  }
  return tasks;
}

/** Scenarios 1 and 2: the dev server (on a database file when it must survive restarts), one worker, the simulator. */
function devServerBackend(persistent: boolean): BackendFactory {
  return async ({ scope, seed }, id) => {
    let dbFilename: string | undefined;
    if (persistent) {
      // tmpfs when there is one: the database must survive the server process, not the machine, and SQLite's
      // fsyncs on a shared virtual disk would make the server, not the product, the subject of the test.
      const base = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
      const dir = await mkdtemp(path.join(base, `modelarts-chaos-${id}-`));
      scope.defer('remove temp dir', () => rm(dir, { recursive: true, force: true }));
      dbFilename = path.join(dir, 'temporal.db');
    }
    const taskQueue = `chaos-${id}`;
    const stack = await startLocalStack({
      devServer: { ...(dbFilename ? { dbFilename } : {}) },
      simulator: { seed: seed + Number(id), defaults: { durationMs: 3000, progress: 'linear' } },
      credentials: CREDENTIALS,
      taskQueue,
    });
    scope.defer('stop the local stack', () => stack.close());
    const { sim } = stack;
    const server = stack.devServer!;

    // The worker, as a child process we can SIGKILL.
    const workers = new WorkerSupervisor(stack.workerEnv());
    scope.defer('stop worker', () => workers.close());
    await workers.start();
    return {
      address: server.address,
      namespace: server.namespace,
      taskQueue,
      serverName: 'dev-server',
      sim: {
        url: sim.url,
        projectId: sim.projectId,
        credentials: CREDENTIALS,
        createDataset: async (dataset) => sim.createDataset(dataset).dataset_id,
        queueBehavior: async (datasetId, behavior) => sim.queueBehavior(datasetId, behavior),
        setFaults: async (faults) => sim.setFaults(faults),
        counters: async () => sim.counters(),
      },
      workers,
      restart: { server: () => server.restart() },
    };
  };
}

/** Ports of the chaos stack: clear of the default stack (7400) and test:stack (27400), and under 32768. */
export const CHAOS_STACK_BASE_PORT = 17400;

/**
 * Scenario 5: the native production stack (src/stack/), brought up in a temporary folder with 3 workers on the
 * scenario's task queue; the simulator runs in the stack's own process and is driven through its admin API.
 */
const nativeStackBackend: BackendFactory = async ({ scope, log }, id) => {
  const taskQueue = `chaos-${id}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), `modelarts-chaos-${id}-stack-`));
  // Before `up`, so a stack that fails half-way up is stopped too (stopStack reads <dir>/stack.json); it takes
  // longer than the default 20 s when workers drain.
  scope.defer('stop the native stack', () => stopStack(dir), 120_000);
  const stack = await NativeStack.up({
    dir,
    basePort: CHAOS_STACK_BASE_PORT,
    workers: 3,
    workerEnv: { TEMPORAL_TASK_QUEUE: taskQueue },
    log: (m) => log(`stack: ${m}`),
  });
  const admin = new SimulatorAdmin(stack.simulatorUrl);
  const count = stack.state.pids.workers.length;
  let kills = 0;
  return {
    address: stack.address,
    namespace: stack.namespace,
    taskQueue,
    serverName: 'server',
    sim: {
      url: stack.simulatorUrl,
      projectId: DEMO_PROJECT_ID,
      credentials: { accessKey: DEMO_CREDENTIALS.accessKey, secretKey: DEMO_CREDENTIALS.secretKey },
      createDataset: async (dataset) => (await admin.createDataset(dataset)).dataset_id,
      queueBehavior: (datasetId, behavior) => queueNextBehavior(stack.simulatorUrl, datasetId, behavior),
      setFaults: async (faults) => void (await admin.setFaults(faults)),
      counters: () => admin.counters(),
    },
    workers: {
      count,
      get kills() {
        return kills;
      },
      get unexpectedExits() {
        return stack.state.pids.workers.filter((pid) => !isAlive(pid)).map((pid) => `pid ${pid} is gone`);
      },
      // The oldest worker each time, so the kills go round all of them.
      async crash() {
        const [oldest] = stack.state.pids.workers;
        if (oldest !== undefined) {
          await stack.killWorker(oldest);
          kills++;
        }
        await stack.startWorker();
      },
      output: () =>
        stack
          .workerLogs()
          .map((file) => readFileSync(file, 'utf8'))
          .join(''),
    },
    restart: { server: () => stack.restartServer(), postgres: () => stack.postgres.restart() },
  };
};

/** `POST /_sim/datasets/{id}/next-behavior`, which SimulatorAdmin does not offer. */
async function queueNextBehavior(url: string, datasetId: string, behavior: Partial<TaskBehavior>): Promise<void> {
  const response = await fetch(`${url}/_sim/datasets/${encodeURIComponent(datasetId)}/next-behavior`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(behavior),
  });
  if (!response.ok) throw new Error(`next-behavior of ${datasetId}: HTTP ${response.status} ${await response.text()}`);
}

/** Until the server answers a visibility count, which reads the database (after a restart of either). */
async function untilServing(clients: SwappableClient, taskQueue: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await clients.get().workflow.count(`TaskQueue = "${taskQueue}"`);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200, signal);
    }
  }
}

/** What the phases of one durability run share: the setup, the runs, and what happened to them. */
interface Durability {
  ctx: ScenarioContext;
  id: string;
  plan: Plan;
  backend: Backend;
  /** The restarts this plan asks for, each one the backend can do. */
  outages: Outage[];
  rng: Rng;
  clients: SwappableClient;
  runs: RunRecord[];
  began: number;
  /** When the runs and the chaos began (epoch ms). */
  t0: number;
  startsDone: number;
  finished: number;
  /** How long each restart kept the server from answering, per kind. */
  downMs: Record<Outage, number[]>;
  chaosDone: boolean;
  storm: { over: boolean; ms: number; createdDuring: number };
  runsDoneMs: number;
  /** What the overdue watch saw while the runs ran (src/exporter/watch.ts). */
  overdue?: { line: string; seen: number };
  findings: string[];
  details: string[];
}

async function runDurability(
  ctx: ScenarioContext,
  id: string,
  plan: Plan,
  backendFactory: BackendFactory,
): Promise<ScenarioResult> {
  const d = await setUp(ctx, id, plan, backendFactory);
  await createRuns(d);
  ctx.scope.defer('close client connections', () => d.clients.close());
  await d.clients.connect();
  await d.backend.sim.setFaults({ ...API_FAULTS });
  const events = planEvents(d);
  d.t0 = Date.now();
  // Ends by itself, or with the scenario's signal.
  void endStormOnceConverged(d).catch(() => undefined);
  // Kills, restarts and API faults delay reads by seconds: no wait may be reported overdue (a false page).
  const watch = new OverdueWatch(() => d.clients.get(), [d.backend.taskQueue]);
  ctx.scope.defer('stop the overdue watch', () => watch.stop());
  await startAndAwaitRuns(d, injectFaults(d, events));
  d.overdue = { line: await watch.stop(), seen: watch.seen.size };
  if (process.env.CHAOS_DUMP_DIR) {
    await writeFile(path.join(process.env.CHAOS_DUMP_DIR, `scenario-${id}-worker.log`), d.backend.workers.output());
  }
  const checks = await verify(d);
  return report(d, checks);
}

/** The backend (server, simulator, workers) and a client that survives server restarts. */
async function setUp(
  ctx: ScenarioContext,
  id: string,
  plan: Plan,
  backendFactory: BackendFactory,
): Promise<Durability> {
  const rng = seeded(ctx.seed * 31 + Number(id));
  const began = Date.now();
  const backend = await backendFactory(ctx, id);
  const outages = (['server', 'postgres'] as const).filter((kind) => plan.restarts[kind] > 0);
  for (const kind of outages) {
    if (!backend.restart[kind]) throw new Error(`scenario ${id}: this setup cannot restart ${kind}`);
  }
  return {
    ctx,
    id,
    plan,
    backend,
    outages,
    rng,
    clients: new SwappableClient(backend.address, backend.namespace),
    runs: [],
    began,
    t0: began,
    startsDone: 0,
    finished: 0,
    downMs: { server: [], postgres: [] },
    chaosDone: false,
    storm: { over: false, ms: 0, createdDuring: 0 },
    runsDoneMs: 0,
    findings: [],
    details: [],
  };
}

/**
 * Many datasets, several runs each (so reattaching has to pick its own task out of a list), each task with a
 * random duration and progress shape.
 */
async function createRuns(d: Durability): Promise<void> {
  const { id, plan, rng } = d;
  const { sim } = d.backend;
  const datasets: string[] = [];
  for (let i = 0; i < plan.datasets; i++) {
    datasets.push(await sim.createDataset({ dataset_name: `chaos-${id}-ds-${i}`, total_sample_count: 100 + i }));
  }
  d.runs = Array.from({ length: plan.runs }, (_, i) => ({
    index: i,
    workflowId: `chaos-${id}-run-${String(i).padStart(3, '0')}`,
    datasetId: datasets[i % datasets.length]!,
    path: `/chaos-bucket/s${id}/run-${String(i).padStart(3, '0')}/`,
    startAttempts: 0,
  }));
  for (const run of d.runs) {
    await sim.queueBehavior(run.datasetId, {
      durationMs: rng.int(plan.durationMs[0], plan.durationMs[1]),
      queuedMs: rng.int(0, 2000),
      progress: rng.pick(PROGRESS_SHAPES),
    });
  }
}

type ChaosEvent = { gapMs: number; kind: 'kill' | Outage };

/** Kills and restarts in a seeded random order, each after a random gap. */
function planEvents(d: Durability): ChaosEvent[] {
  const { plan, rng } = d;
  const kinds: ChaosEvent['kind'][] = [
    ...Array.from({ length: plan.kills }, () => 'kill' as const),
    ...d.outages.flatMap((kind) => Array.from({ length: plan.restarts[kind] }, () => kind)),
  ];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds.map((kind) => ({ kind, gapMs: rng.int(plan.gapMs[0], plan.gapMs[1]) }));
}

/** API faults stay on until the chaos is over and 90 % of the tasks exist, or the storm cap passes (see Plan). */
async function endStormOnceConverged(d: Durability): Promise<void> {
  const { sim } = d.backend;
  while (Date.now() - d.t0 < d.plan.stormCapMs) {
    if (d.chaosDone && (await sim.counters()).total.exportCreates >= d.plan.runs * 0.9) break;
    await sleep(500, d.ctx.signal);
  }
  await sim.setFaults({});
  d.storm.over = true;
  d.storm.ms = Date.now() - d.t0;
  d.storm.createdDuring = (await sim.counters()).total.exportCreates;
  d.ctx.log(`t=${seconds(d.storm.ms)} API faults off (${d.storm.createdDuring}/${d.plan.runs} tasks created)`);
}

/**
 * Runs the chaos timeline. Gaps are counted from the moment the previous worker (or server) is back, so a slow
 * machine stretches the timeline instead of killing every worker before it has done any work.
 */
async function injectFaults(d: Durability, events: ChaosEvent[]): Promise<void> {
  const { workers } = d.backend;
  for (const event of events) {
    await sleep(event.gapMs, d.ctx.signal);
    if (event.kind === 'kill') {
      await workers.crash();
      d.ctx.log(`t=${seconds(Date.now() - d.t0)} worker SIGKILLed and restarted (${workers.kills}/${d.plan.kills})`);
    } else {
      await restartOutage(d, event.kind);
    }
  }
  d.chaosDone = true;
}

/** Restarts the server or PostgreSQL and waits until the server answers again. */
async function restartOutage(d: Durability, kind: Outage): Promise<void> {
  const waiting = d.startsDone - d.finished;
  const began = Date.now();
  await d.backend.restart[kind]!();
  if (kind === 'server') await d.clients.reconnect(Date.now() + 60_000, d.ctx.signal);
  await untilServing(d.clients, d.backend.taskQueue, d.ctx.signal);
  d.downMs[kind].push(Date.now() - began);
  d.ctx.log(
    `t=${seconds(Date.now() - d.t0)} ${outageName(d, kind)} restarted, down ${Date.now() - began} ms ` +
      `(${waiting} runs waiting when it stopped)`,
  );
}

const outageName = (d: Durability, kind: Outage) => (kind === 'server' ? d.backend.serverName : 'PostgreSQL');

/** Starts the runs spread out, waits for each one and for the chaos timeline, with a progress line every 20 s. */
async function startAndAwaitRuns(d: Durability, chaos: Promise<void>): Promise<void> {
  const { plan, backend } = d;
  const gap = plan.startSpreadMs / plan.runs;
  const lifecycles = d.runs.map(async (run) => {
    await sleep(run.index * gap, d.ctx.signal);
    await runLifecycle(d, run);
  });
  const restartsPlanned = d.outages.reduce((sum, kind) => sum + plan.restarts[kind], 0);
  const ticker = setInterval(() => {
    const state = `t=${seconds(Date.now() - d.t0)}: started ${d.startsDone}/${plan.runs}, finished ${d.finished}, kills ${backend.workers.kills}/${plan.kills}, restarts ${d.downMs.server.length + d.downMs.postgres.length}/${restartsPlanned}`;
    d.ctx.note(state);
    d.ctx.log(state);
  }, 20_000);
  try {
    await Promise.all([chaos, ...lifecycles]);
    if (!d.storm.over) d.ctx.log(`t=${seconds(Date.now() - d.t0)} every run ended while API faults were still on`);
  } finally {
    clearInterval(ticker);
  }
  d.runsDoneMs = Date.now() - d.t0;
}

/** One run: started (retrying while the server is down), then awaited; its outcome or error lands on the record. */
async function runLifecycle(d: Durability, run: RunRecord): Promise<void> {
  const spec = {
    steps: [{ kind: 'export', datasetId: run.datasetId, request: { path: run.path } }],
    wait: { policy: FAST_POLICY },
    summary: `chaos scenario ${d.id}, run ${run.index}`,
  };
  const { signal } = d.ctx;
  try {
    const options = { taskQueue: d.backend.taskQueue, workflowId: run.workflowId };
    run.startAttempts = (await startRunRetrying(d.clients, spec, options, signal)).attempts;
    run.startedAt = Date.now();
    d.startsDone++;
    run.outcome = await awaitRunRetrying(d.clients, run.workflowId, signal);
    run.endedAt = Date.now();
  } catch (err) {
    run.error = err instanceof AbortedError ? 'not finished when the scenario timed out' : (err as Error).message;
  } finally {
    d.finished++;
  }
}

/** What the checks found, for the verdict and the summary line. */
interface Checks extends TaskScan {
  counters: Counters;
  succeeded: RunRecord[];
  lost: RunRecord[];
  transient: RunRecord[];
  onePerRun: boolean;
  ok: boolean;
}

/** Every run succeeded with exactly one task of its own, and nothing was lost to a transient error. */
async function verify(d: Durability): Promise<Checks> {
  const { sim, workers } = d.backend;
  await sim.setFaults({});
  const counters = await sim.counters();
  const succeeded = d.runs.filter(
    (r) => r.outcome?.outcome === 'succeeded' && r.outcome.result.steps[0]?.status === 'SUCCESSED',
  );
  const lost = d.runs.filter((r) => !succeeded.includes(r));
  const transient = lost.filter((r) =>
    TRANSIENT_PATTERN.test(r.outcome && r.outcome.outcome !== 'succeeded' ? r.outcome.message : (r.error ?? '')),
  );
  for (const r of lost.slice(0, 10)) {
    const why =
      r.error ??
      (r.outcome?.outcome === 'succeeded'
        ? 'succeeded without SUCCESSED'
        : `${r.outcome?.outcome}: ${r.outcome?.message}`);
    d.details.push(`    lost ${r.workflowId} (dataset ${r.datasetId}): ${why}`);
  }
  const scan = await scanTasks(d, counters);
  if (process.env.CHAOS_DUMP_DIR) await dumpSlowFinishes(d, scan, process.env.CHAOS_DUMP_DIR);
  await explainSlowCreates(d, scan);
  if (workers.unexpectedExits.length > 0) {
    d.findings.push(`scenario ${d.id}: a worker exited on its own ${workers.unexpectedExits.length} time(s)`);
    d.details.push(...workers.unexpectedExits.slice(0, 3).map((e) => `    worker exited unexpectedly: ${e}`));
  }
  // Every dataset has as many creates as runs and every run exactly one task under its path: one create per run.
  const onePerRun = scan.datasetsOff === 0 && scan.runsWithoutExactlyOneTask === 0;
  const ok =
    lost.length === 0 &&
    onePerRun &&
    scan.duplicatePaths === 0 &&
    scan.taskMismatch === 0 &&
    counters.total.exportCreates === d.plan.runs;
  if (!ok)
    d.findings.push(
      `scenario ${d.id}: ${lost.length} lost, ${scan.duplicateCreates} duplicate creates, ${scan.duplicatePaths} duplicate paths`,
    );
  return { ...scan, counters, succeeded, lost, transient, onePerRun, ok: ok && (d.overdue?.seen ?? 0) === 0 };
}

interface TaskScan {
  duplicateCreates: number;
  /** Datasets whose create count differs from their number of runs. */
  datasetsOff: number;
  duplicatePaths: number;
  runsWithoutExactlyOneTask: number;
  taskMismatch: number;
  tasksListed: number;
  /** From a run's start to its task's creation, and from its task's finish to its result. */
  createLagByRun: Map<RunRecord, number>;
  finishLagByRun: Map<RunRecord, number>;
}

/** Creates per dataset against runs per dataset, and a scan of every dataset's task list. */
async function scanTasks(d: Durability, counters: Counters): Promise<TaskScan> {
  const { sim } = d.backend;
  const modelarts = new ModelArtsClient({
    endpoint: sim.url,
    projectId: sim.projectId,
    auth: new AkSkAuth(sim.credentials),
  });
  const scan: TaskScan = {
    ...{ duplicateCreates: 0, datasetsOff: 0, duplicatePaths: 0, runsWithoutExactlyOneTask: 0, taskMismatch: 0 },
    ...{ tasksListed: 0, createLagByRun: new Map(), finishLagByRun: new Map() },
  };
  const runsByDataset = new Map<string, RunRecord[]>();
  for (const r of d.runs) runsByDataset.set(r.datasetId, [...(runsByDataset.get(r.datasetId) ?? []), r]);
  for (const [datasetId, dsRuns] of runsByDataset) {
    const creates = counters.byDataset[datasetId]?.exportCreates ?? 0;
    if (creates !== dsRuns.length) {
      scan.datasetsOff++;
      scan.duplicateCreates += Math.max(0, creates - dsRuns.length);
      d.details.push(`    dataset ${datasetId}: ${creates} export creates for ${dsRuns.length} runs`);
    }
    const tasks = await listAllExportTasks(modelarts, datasetId);
    scan.tasksListed += tasks.length;
    countDuplicatePaths(d, scan, datasetId, tasks);
    for (const r of dsRuns) matchRunToTask(d, scan, r, tasks);
  }
  return scan;
}

function countDuplicatePaths(d: Durability, scan: TaskScan, datasetId: string, tasks: ExportTask[]): void {
  const byPath = new Map<string, number>();
  for (const t of tasks) byPath.set(t.path ?? '', (byPath.get(t.path ?? '') ?? 0) + 1);
  for (const [p, n] of byPath) {
    if (n > 1) {
      scan.duplicatePaths++;
      d.details.push(`    dataset ${datasetId}: ${n} export tasks with path ${p}`);
    }
  }
}

/** A run must have exactly one task under its path, the one it reports. */
function matchRunToTask(d: Durability, scan: TaskScan, r: RunRecord, tasks: ExportTask[]): void {
  const mine = tasks.filter((t) => (t.path ?? '').startsWith(r.path));
  const task = mine.length === 1 ? mine[0]! : undefined;
  if (task && r.startedAt) scan.createLagByRun.set(r, task.create_time - r.startedAt);
  if (task && r.endedAt && task.status === 'SUCCESSED') scan.finishLagByRun.set(r, r.endedAt - task.update_time);
  if (!task) {
    scan.runsWithoutExactlyOneTask++;
    d.details.push(`    ${r.workflowId}: ${mine.length} export tasks under ${r.path}`);
  } else if (r.outcome?.outcome === 'succeeded' && r.outcome.result.steps[0]?.taskId !== task.task_id) {
    scan.taskMismatch++;
    d.details.push(
      `    ${r.workflowId}: reports task ${r.outcome.result.steps[0]?.taskId}, but its task is ${task.task_id}`,
    );
  }
}

/** The step histories of the three runs slowest to notice their task finished, for a closer look. */
async function dumpSlowFinishes(d: Durability, scan: TaskScan, dir: string): Promise<void> {
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils.js');
  const client = d.clients.get();
  const slowFinish = [...scan.finishLagByRun].sort((a, b) => b[1] - a[1]).slice(0, 3);
  for (const [r] of slowFinish) {
    for await (const w of client.workflow.list({ query: `WorkflowId = '${r.workflowId}.step-1'` })) {
      const history = await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      await writeFile(path.join(dir, `${w.workflowId}.${w.runId}.json`), historyToJSON(history));
    }
  }
}

/** Where the long tail comes from: the slowest creates, with their attempt counts. */
async function explainSlowCreates(d: Durability, scan: TaskScan): Promise<void> {
  const slowest = [...scan.createLagByRun].sort((a, b) => b[1] - a[1]).slice(0, 3);
  for (const [r, lag] of slowest) {
    const why = await createAttempts(d.clients.get(), `${r.workflowId}.step-1`).catch((err: Error) => err.message);
    d.details.push(`    slow create: ${r.workflowId} task created ${(lag / 1000).toFixed(1)} s after start, ${why}`);
  }
}

/** The scenario's one summary line. */
function report(d: Durability, c: Checks): ScenarioResult {
  const { plan, backend, downMs, storm } = d;
  const { workers } = backend;
  const results = c.succeeded.map((r) => (r.outcome as Extract<RunOutcome, { outcome: 'succeeded' }>).result.steps[0]!);
  const reattached = results.filter((s) => s.reattached).length;
  const reads = results.reduce((sum, s) => sum + s.statusReads, 0);
  const retriedStarts = d.runs.filter((r) => r.startAttempts > 1).length;
  const f = c.counters.faultsInjected;
  const restarts = d.outages.map(
    (kind) =>
      `${outageName(d, kind)} restarts ${downMs[kind].length} (${downMs[kind].map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} down)`,
  );
  const parts = [
    `${c.succeeded.length}/${plan.runs} succeeded, ${c.lost.length} lost (${c.transient.length} by a transient error)`,
    `creates ${c.counters.total.exportCreates} for ${plan.runs} runs (${c.onePerRun ? 'exactly 1 per run' : 'NOT 1 per run'}), ${c.duplicateCreates} duplicate creates, ${c.duplicatePaths} duplicate paths in ${c.tasksListed} listed tasks`,
    `${plan.datasets} datasets, tasks ${seconds(plan.durationMs[0])}–${seconds(plan.durationMs[1])}`,
    `worker SIGKILLs ${workers.kills}` +
      ((workers.count ?? 1) > 1 ? ` across ${workers.count} workers` : '') +
      (workers.unexpectedExits.length ? ` (+${workers.unexpectedExits.length} unexpected exits)` : ''),
    ...(restarts.length > 0 ? [`${restarts.join(', ')}, starts retried ${retriedStarts}`] : []),
    `API faults ${storm.over ? `for the first ${seconds(storm.ms)} (${storm.createdDuring} of ${plan.runs} creates under faults)` : 'throughout'}: 5xx ${f.serverErrors}, 429 ${f.throttled}, dropped ${f.dropped} (of ${c.counters.total.requests} requests in all)`,
    `reattached ${reattached}, status reads ${reads}`,
    ...(d.overdue ? [d.overdue.line] : []),
    `start→task created p50 ${spread([...c.createLagByRun.values()])}, task finished→run result p50 ${spread([...c.finishLagByRun.values()])}`,
    `runs done in ${seconds(d.runsDoneMs)}, total ${seconds(Date.now() - d.began)}`,
  ];
  return {
    ok: c.ok,
    summary: `${c.ok ? 'PASS' : 'FAIL'} ${parts.join('; ')}`,
    details: d.details,
    findings: d.findings,
  };
}

/** Run sizes per mode; the scenarios differ only in how many kills and restarts they add, and where they run. */
const SIZES = {
  quick: {
    runs: 40,
    datasets: 10,
    durationMs: [3000, 12_000],
    startSpreadMs: 8000,
    gapMs: [2000, 6000],
    stormCapMs: 120_000,
  },
  full: {
    runs: 200,
    datasets: 40,
    durationMs: [5000, 40_000],
    startSpreadMs: 30_000,
    gapMs: [2000, 9000],
    stormCapMs: 300_000,
  },
} satisfies Record<string, Omit<Plan, 'kills' | 'restarts'>>;

const sizes = (quick: boolean) => (quick ? SIZES.quick : SIZES.full);

export const workerKillsScenario: Scenario = {
  id: '1',
  name: 'worker kills + API faults',
  timeoutMs: (quick) => (quick ? 240_000 : 420_000),
  run: (ctx) =>
    runDurability(
      ctx,
      '1',
      { ...sizes(ctx.quick), kills: ctx.quick ? 4 : 10, restarts: { server: 0, postgres: 0 } },
      devServerBackend(false),
    ),
};

export const serverRestartsScenario: Scenario = {
  id: '2',
  name: 'dev-server restarts + worker kills + API faults',
  timeoutMs: (quick) => (quick ? 240_000 : 480_000),
  run: (ctx) =>
    runDurability(
      ctx,
      '2',
      { ...sizes(ctx.quick), kills: ctx.quick ? 1 : 3, restarts: { server: 2, postgres: 0 } },
      devServerBackend(true),
    ),
};

/** Scenario 1 at its size on the native stack, plus a Temporal server restart and a PostgreSQL restart. */
export const nativeStackScenario: Scenario = {
  id: '5',
  name: 'native stack (PostgreSQL-backed server, 3 workers): server + PostgreSQL restarts + worker kills + API faults',
  // Bringing the stack up (about 15 s with built binaries) and down is inside this bound.
  timeoutMs: (quick) => (quick ? 300_000 : 720_000),
  run: (ctx) =>
    runDurability(
      ctx,
      '5',
      { ...sizes(ctx.quick), kills: ctx.quick ? 4 : 10, restarts: { server: 1, postgres: 1 } },
      nativeStackBackend,
    ),
};
