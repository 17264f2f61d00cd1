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
import { startDevServer } from '../devserver/dev-server.js';
import { AkSkAuth } from '../modelarts/auth.js';
import { ModelArtsClient } from '../modelarts/client.js';
import type { ExportTask } from '../modelarts/types.js';
import { SimulatorAdmin } from '../simulator/admin-client.js';
import {
  DEMO_CREDENTIALS,
  DEMO_PROJECT_ID,
  startSimulator,
  type Counters,
  type FaultConfig,
  type TaskBehavior,
} from '../simulator/index.js';
import { isAlive } from '../stack/processes.js';
import { NativeStack, stopStack } from '../stack/stack.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';
import {
  AbortedError,
  awaitRunRetrying,
  chaosWorkerEnv,
  seconds,
  seeded,
  sleep,
  startRunRetrying,
  SwappableClient,
  TRANSIENT_PATTERN,
  WorkerSupervisor,
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
    const server = await startDevServer({ ...(dbFilename ? { dbFilename } : {}) });
    scope.defer('stop dev server', () => server.stop());
    const sim = await startSimulator({
      seed: seed + Number(id),
      credentials: [CREDENTIALS],
      defaults: { durationMs: 3000, progress: 'linear' },
    });
    scope.defer('close simulator', () => sim.close());

    // The worker, as a child process we can SIGKILL.
    const taskQueue = `chaos-${id}`;
    const workers = new WorkerSupervisor(chaosWorkerEnv(server, sim, taskQueue, CREDENTIALS));
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

async function runDurability(
  ctx: ScenarioContext,
  id: string,
  plan: Plan,
  backendFactory: BackendFactory,
): Promise<ScenarioResult> {
  const { scope, signal, log } = ctx;
  const rng = seeded(ctx.seed * 31 + Number(id));
  const began = Date.now();
  const findings: string[] = [];

  const backend = await backendFactory(ctx, id);
  const { sim, workers, taskQueue } = backend;
  const outages = (['server', 'postgres'] as const).filter((kind) => plan.restarts[kind] > 0);
  for (const kind of outages) {
    if (!backend.restart[kind]) throw new Error(`scenario ${id}: this setup cannot restart ${kind}`);
  }

  // Many datasets, several runs each (so reattaching has to pick its own task out of a list), each task with a
  // random duration and progress shape.
  const datasets: string[] = [];
  for (let d = 0; d < plan.datasets; d++) {
    datasets.push(await sim.createDataset({ dataset_name: `chaos-${id}-ds-${d}`, total_sample_count: 100 + d }));
  }
  const runs: RunRecord[] = Array.from({ length: plan.runs }, (_, i) => ({
    index: i,
    workflowId: `chaos-${id}-run-${String(i).padStart(3, '0')}`,
    datasetId: datasets[i % datasets.length]!,
    path: `/chaos-bucket/s${id}/run-${String(i).padStart(3, '0')}/`,
    startAttempts: 0,
  }));
  for (const run of runs) {
    await sim.queueBehavior(run.datasetId, {
      durationMs: rng.int(plan.durationMs[0], plan.durationMs[1]),
      queuedMs: rng.int(0, 2000),
      progress: rng.pick(PROGRESS_SHAPES),
    });
  }

  const clients = new SwappableClient(backend.address, backend.namespace);
  scope.defer('close client connections', () => clients.close());
  await clients.connect();

  await sim.setFaults({ ...API_FAULTS });

  // --- Chaos timeline: kills and restarts in a seeded random order, each after a random gap ---------------------
  // Gaps are counted from the moment the previous worker (or server) is back, so a slow machine stretches the
  // timeline instead of killing every worker before it has done any work.
  type Event = { gapMs: number; kind: 'kill' | Outage };
  const kinds: Event['kind'][] = [
    ...Array.from({ length: plan.kills }, () => 'kill' as const),
    ...outages.flatMap((kind) => Array.from({ length: plan.restarts[kind] }, () => kind)),
  ];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const events: Event[] = kinds.map((kind) => ({ kind, gapMs: rng.int(plan.gapMs[0], plan.gapMs[1]) }));
  /** How long each restart kept the server from answering, per kind. */
  const downMs: Record<Outage, number[]> = { server: [], postgres: [] };
  const restartsPlanned = outages.reduce((sum, kind) => sum + plan.restarts[kind], 0);
  const outageName = (kind: Outage) => (kind === 'server' ? backend.serverName : 'PostgreSQL');
  const t0 = Date.now();
  let startsDone = 0;
  let finished = 0;

  let stormOver = false;
  let chaosDone = false;
  let stormMs = 0;
  let createdDuringStorm = 0;
  // Ends by itself, or with the scenario's signal.
  void (async () => {
    while (Date.now() - t0 < plan.stormCapMs) {
      if (chaosDone && (await sim.counters()).total.exportCreates >= plan.runs * 0.9) break;
      await sleep(500, signal);
    }
    await sim.setFaults({});
    stormOver = true;
    stormMs = Date.now() - t0;
    createdDuringStorm = (await sim.counters()).total.exportCreates;
    log(`t=${seconds(stormMs)} API faults off (${createdDuringStorm}/${plan.runs} tasks created)`);
  })().catch(() => undefined);

  const chaos = (async () => {
    for (const event of events) {
      await sleep(event.gapMs, signal);
      if (event.kind === 'kill') {
        await workers.crash();
        log(`t=${seconds(Date.now() - t0)} worker SIGKILLed and restarted (${workers.kills}/${plan.kills})`);
      } else {
        const waiting = startsDone - finished;
        const began = Date.now();
        await backend.restart[event.kind]!();
        if (event.kind === 'server') await clients.reconnect(Date.now() + 60_000, signal);
        await untilServing(clients, taskQueue, signal);
        downMs[event.kind].push(Date.now() - began);
        log(
          `t=${seconds(Date.now() - t0)} ${outageName(event.kind)} restarted, down ${Date.now() - began} ms ` +
            `(${waiting} runs waiting when it stopped)`,
        );
      }
    }
    chaosDone = true;
  })();

  // --- Start the runs, spread out, and wait for each one ------------------------------------------------------
  const gap = plan.startSpreadMs / plan.runs;
  const lifecycles = runs.map(async (run) => {
    await sleep(run.index * gap, signal);
    const spec = {
      steps: [{ kind: 'export', datasetId: run.datasetId, request: { path: run.path } }],
      wait: { policy: FAST_POLICY },
      summary: `chaos scenario ${id}, run ${run.index}`,
    };
    try {
      run.startAttempts = (
        await startRunRetrying(clients, spec, { taskQueue, workflowId: run.workflowId }, signal)
      ).attempts;
      run.startedAt = Date.now();
      startsDone++;
      run.outcome = await awaitRunRetrying(clients, run.workflowId, signal);
      run.endedAt = Date.now();
    } catch (err) {
      run.error = err instanceof AbortedError ? 'not finished when the scenario timed out' : (err as Error).message;
    } finally {
      finished++;
    }
  });
  const ticker = setInterval(() => {
    const state = `t=${seconds(Date.now() - t0)}: started ${startsDone}/${plan.runs}, finished ${finished}, kills ${workers.kills}/${plan.kills}, restarts ${downMs.server.length + downMs.postgres.length}/${restartsPlanned}`;
    ctx.note(state);
    log(state);
  }, 20_000);
  try {
    await Promise.all([chaos, ...lifecycles]);
    if (!stormOver) log(`t=${seconds(Date.now() - t0)} every run ended while API faults were still on`);
  } finally {
    clearInterval(ticker);
  }
  const runsDoneMs = Date.now() - t0;

  if (process.env.CHAOS_DUMP_DIR) {
    await writeFile(path.join(process.env.CHAOS_DUMP_DIR, `scenario-${id}-worker.log`), workers.output());
  }

  // --- Checks ----------------------------------------------------------------------------------------------
  await sim.setFaults({});
  const counters = await sim.counters();
  const modelarts = new ModelArtsClient({
    endpoint: sim.url,
    projectId: sim.projectId,
    auth: new AkSkAuth(sim.credentials),
  });

  const details: string[] = [];
  const succeeded = runs.filter(
    (r) => r.outcome?.outcome === 'succeeded' && r.outcome.result.steps[0]?.status === 'SUCCESSED',
  );
  const lost = runs.filter((r) => !succeeded.includes(r));
  const transient = lost.filter((r) =>
    TRANSIENT_PATTERN.test(r.outcome && r.outcome.outcome !== 'succeeded' ? r.outcome.message : (r.error ?? '')),
  );
  for (const r of lost.slice(0, 10)) {
    const why =
      r.error ??
      (r.outcome?.outcome === 'succeeded'
        ? 'succeeded without SUCCESSED'
        : `${r.outcome?.outcome}: ${r.outcome?.message}`);
    details.push(`    lost ${r.workflowId} (dataset ${r.datasetId}): ${why}`);
  }

  // Creates per dataset against runs per dataset, and a scan of every dataset's task list.
  let duplicateCreates = 0;
  /** Datasets whose create count differs from their number of runs. */
  let datasetsOff = 0;
  let duplicatePaths = 0;
  let runsWithoutExactlyOneTask = 0;
  let taskMismatch = 0;
  let tasksListed = 0;
  const createLags: number[] = [];
  const createLagByRun = new Map<RunRecord, number>();
  const finishLagByRun = new Map<RunRecord, number>();
  const finishLags: number[] = [];
  const runsByDataset = new Map<string, RunRecord[]>();
  for (const r of runs) runsByDataset.set(r.datasetId, [...(runsByDataset.get(r.datasetId) ?? []), r]);
  for (const [datasetId, dsRuns] of runsByDataset) {
    const creates = counters.byDataset[datasetId]?.exportCreates ?? 0;
    if (creates !== dsRuns.length) {
      datasetsOff++;
      duplicateCreates += Math.max(0, creates - dsRuns.length);
      details.push(`    dataset ${datasetId}: ${creates} export creates for ${dsRuns.length} runs`);
    }
    const tasks = await listAllExportTasks(modelarts, datasetId);
    tasksListed += tasks.length;
    const byPath = new Map<string, number>();
    for (const t of tasks) byPath.set(t.path ?? '', (byPath.get(t.path ?? '') ?? 0) + 1);
    for (const [p, n] of byPath) {
      if (n > 1) {
        duplicatePaths++;
        details.push(`    dataset ${datasetId}: ${n} export tasks with path ${p}`);
      }
    }
    for (const r of dsRuns) {
      const mine = tasks.filter((t) => (t.path ?? '').startsWith(r.path));
      if (mine.length === 1 && r.startedAt) {
        createLags.push(mine[0]!.create_time - r.startedAt);
        createLagByRun.set(r, mine[0]!.create_time - r.startedAt);
      }
      if (mine.length === 1 && r.endedAt && mine[0]!.status === 'SUCCESSED') {
        finishLags.push(r.endedAt - mine[0]!.update_time);
        finishLagByRun.set(r, r.endedAt - mine[0]!.update_time);
      }
      if (mine.length !== 1) {
        runsWithoutExactlyOneTask++;
        details.push(`    ${r.workflowId}: ${mine.length} export tasks under ${r.path}`);
      } else if (r.outcome?.outcome === 'succeeded' && r.outcome.result.steps[0]?.taskId !== mine[0]!.task_id) {
        taskMismatch++;
        details.push(
          `    ${r.workflowId}: reports task ${r.outcome.result.steps[0]?.taskId}, but its task is ${mine[0]!.task_id}`,
        );
      }
    }
  }

  if (process.env.CHAOS_DUMP_DIR) {
    const { historyToJSON } = await import('@temporalio/common/lib/proto-utils.js');
    const slowFinish = [...finishLagByRun].sort((a, b) => b[1] - a[1]).slice(0, 3);
    for (const [r] of slowFinish) {
      for await (const w of clients.get().workflow.list({ query: `WorkflowId = '${r.workflowId}.step-1'` })) {
        const history = await clients.get().workflow.getHandle(w.workflowId, w.runId).fetchHistory();
        await writeFile(
          path.join(process.env.CHAOS_DUMP_DIR, `${w.workflowId}.${w.runId}.json`),
          historyToJSON(history),
        );
      }
    }
  }

  // Where the long tail comes from: the slowest creates, with their attempt counts.
  const slowest = [...createLagByRun].sort((a, b) => b[1] - a[1]).slice(0, 3);
  for (const [r, lag] of slowest) {
    const why = await createAttempts(clients.get(), `${r.workflowId}.step-1`).catch((err: Error) => err.message);
    details.push(`    slow create: ${r.workflowId} task created ${(lag / 1000).toFixed(1)} s after start, ${why}`);
  }

  const results = succeeded.map((r) => (r.outcome as Extract<RunOutcome, { outcome: 'succeeded' }>).result.steps[0]!);
  const reattached = results.filter((s) => s.reattached).length;
  const reads = results.reduce((sum, s) => sum + s.statusReads, 0);
  const retriedStarts = runs.filter((r) => r.startAttempts > 1).length;
  const f = counters.faultsInjected;
  if (workers.unexpectedExits.length > 0) {
    findings.push(`scenario ${id}: a worker exited on its own ${workers.unexpectedExits.length} time(s)`);
    details.push(...workers.unexpectedExits.slice(0, 3).map((e) => `    worker exited unexpectedly: ${e}`));
  }

  // Every dataset has as many creates as runs and every run exactly one task under its path: one create per run.
  const onePerRun = datasetsOff === 0 && runsWithoutExactlyOneTask === 0;
  const ok =
    lost.length === 0 &&
    onePerRun &&
    duplicatePaths === 0 &&
    taskMismatch === 0 &&
    counters.total.exportCreates === plan.runs;
  if (!ok)
    findings.push(
      `scenario ${id}: ${lost.length} lost, ${duplicateCreates} duplicate creates, ${duplicatePaths} duplicate paths`,
    );

  const parts = [
    `${succeeded.length}/${plan.runs} succeeded, ${lost.length} lost (${transient.length} by a transient error)`,
    `creates ${counters.total.exportCreates} for ${plan.runs} runs (${onePerRun ? 'exactly 1 per run' : 'NOT 1 per run'}), ${duplicateCreates} duplicate creates, ${duplicatePaths} duplicate paths in ${tasksListed} listed tasks`,
    `${plan.datasets} datasets, tasks ${seconds(plan.durationMs[0])}–${seconds(plan.durationMs[1])}`,
    `worker SIGKILLs ${workers.kills}` +
      ((workers.count ?? 1) > 1 ? ` across ${workers.count} workers` : '') +
      (workers.unexpectedExits.length ? ` (+${workers.unexpectedExits.length} unexpected exits)` : ''),
    ...(outages.length > 0
      ? [
          `${outages
            .map(
              (kind) =>
                `${outageName(kind)} restarts ${downMs[kind].length} (${downMs[kind].map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} down)`,
            )
            .join(', ')}, starts retried ${retriedStarts}`,
        ]
      : []),
    `API faults ${stormOver ? `for the first ${seconds(stormMs)} (${createdDuringStorm} of ${plan.runs} creates under faults)` : 'throughout'}: 5xx ${f.serverErrors}, 429 ${f.throttled}, dropped ${f.dropped} (of ${counters.total.requests} requests in all)`,
    `reattached ${reattached}, status reads ${reads}`,
    `start→task created p50 ${spread(createLags)}, task finished→run result p50 ${spread(finishLags)}`,
    `runs done in ${seconds(runsDoneMs)}, total ${seconds(Date.now() - began)}`,
  ];
  return { ok, summary: `${ok ? 'PASS' : 'FAIL'} ${parts.join('; ')}`, details, findings };
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
