/**
 * Part 3, scale: thousands of exports waiting at the same time on one worker process (the real `dist/worker.js`,
 * a child process so its memory can be read from /proc), then finishing around the same time. Measures the
 * worker's peak resident memory, how long the system takes to complete every run once the tasks have finished,
 * and the largest history of any run (pipelines and steps, every run of a continue-as-new chain).
 *
 * A second, smaller batch waits long enough for many status reads, to show continue-as-new keeping every run's
 * history bounded whatever the wait.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { startRun } from '../src/client/runs.js';
import { ModelArtsClient } from '../src/modelarts/client.js';
import { modelArtsOptionsFromEnv } from '../src/modelarts/env.js';
import type { PollPolicy } from '../src/polling/policy.js';
import type { LocalStack } from '../src/local/stack.js';
import { DEFAULT_MAX_READS_PER_RUN } from '../src/workflows/wait.js';
import {
  benchClient,
  benchScope,
  benchStack,
  countOf,
  cpuMs,
  fmtDuration,
  listAll,
  mapLimit,
  mdTable,
  mean,
  quantile,
  pollUntil,
  REAL_WORKER_ENTRY,
  sleep,
  startBenchWorker,
  yesNo,
  projectRoot,
  type WorkerProc,
  type WorkerTuningEnv,
} from './support.js';
import path from 'node:path';

export const MEMORY_TARGET_MIB = 1024;
export const HISTORY_TARGET_EVENTS = 200;

export interface ScaleConfig {
  runs: number;
  /** Workflow starts in flight at once. */
  startConcurrency: number;
  /** Used to plan when the tasks finish: after every run has started (at this rate) plus `waitMarginMs`. */
  assumedStartsPerSec: number;
  waitMarginMs: number;
  /** No task is shorter than this, even if starting takes longer than planned. */
  minTaskMs: number;
  tuning: WorkerTuningEnv;
  dynamicConfig: Record<string, string | number | boolean>;
  /** The continue-as-new batch: runs whose tasks report no progress, read every second, `reads` times each. */
  longWait: { runs: number; reads: number };
  timeoutMs: number;
}

export interface Quantiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const quantiles = (values: number[]): Quantiles => ({
  p50: quantile(values, 0.5),
  p95: quantile(values, 0.95),
  p99: quantile(values, 0.99),
  max: Math.max(...values),
});

export interface HistoryStats {
  executions: number;
  maxEvents: number;
  meanEvents: number;
}

export interface ScaleResult {
  config: ScaleConfig;
  workerEntry: string;
  runs: number;
  succeeded: number;
  starting: { ms: number; perSec: number };
  /** From the first start request until every run had created its task. */
  allCreatedMs: number;
  /** Most runs whose task existed and had not finished at one instant (from create and finish times). */
  maxWaitingAtOnce: number;
  /** RSS of the worker when every run was waiting; peak (VmHWM) over the whole part. */
  memory: {
    idleMiB: number;
    /** RSS when the last task had been created, and the largest sample before the first task finished. */
    waitingMiB: number;
    waitingPeakMiB: number;
    peakMiB: number;
    target: string;
    met: boolean;
  };
  /** Spread of the tasks' finish times, and completion measured from them (pipeline close times). */
  finish: {
    spreadMs: number;
    firstFinishToAllDoneMs: number;
    lastFinishToAllDoneMs: number;
    /** Per run, from its task's finish to its step workflow closing (the wait noticed) and to the pipeline closing. */
    stepDelayMs: Quantiles;
    perRunDelayMs: Quantiles;
  };
  reads: { total: number; perExport: number; maxPerTask: number };
  history: {
    pipelines: HistoryStats;
    steps: HistoryStats;
    longWait: HistoryStats & { runs: number; readsPerRun: number; continueAsNewPerRun: number };
    target: string;
    met: boolean;
  };
  workerCpuSec: number;
  rssTimelineMiB: { tSec: number; rss: number }[];
  measuredAt: string;
}

function historyStats(infos: WorkflowExecutionInfo[]): HistoryStats {
  const lengths = infos.map((i) => i.historyLength);
  return {
    executions: infos.length,
    maxEvents: lengths.length ? Math.max(...lengths) : 0,
    meanEvents: +mean(lengths).toFixed(1),
  };
}

/** The largest number of intervals [start, end) that overlap at one instant. */
function maxOverlap(intervals: [number, number][]): number {
  const points = intervals.flatMap(([a, b]) => [
    [a, 1],
    [b, -1],
  ]) as [number, number][];
  points.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let best = 0;
  for (const [, d] of points) best = Math.max(best, (now += d));
  return best;
}

/**
 * The export task of each dataset (one each here), through the ModelArts API: its create_time, and its finish
 * time (a finished task's update_time is when it finished, i.e. create_time + duration).
 */
async function tasksOf(
  stack: LocalStack,
  datasetIds: string[],
): Promise<Map<string, { taskId: string; createdAt: number; finishedAt?: number }>> {
  // The workers' own endpoint and credentials.
  const client = new ModelArtsClient(modelArtsOptionsFromEnv(stack.workerEnv()));
  const out = new Map<string, { taskId: string; createdAt: number; finishedAt?: number }>();
  await mapLimit(datasetIds, 20, async (datasetId) => {
    const { export_tasks: tasks } = await client.listExportTasks(datasetId, { limit: 10 });
    const task = tasks[0];
    if (!task) return;
    out.set(datasetId, {
      taskId: task.task_id,
      createdAt: task.create_time,
      ...(task.status === 'SUCCESSED' && { finishedAt: task.update_time }),
    });
  });
  return out;
}

export async function runScale(config: ScaleConfig, log: (m: string) => void): Promise<ScaleResult> {
  const scope = benchScope();
  try {
    const taskQueue = `bench-scale-${randomUUID().slice(0, 8)}`;
    const stack = await benchStack(scope, config.dynamicConfig, taskQueue);
    const sim = stack.sim;
    const client = await benchClient(scope, stack.server);
    const worker = await startBenchWorker(scope, REAL_WORKER_ENTRY, stack.workerEnv(config.tuning), {
      label: 'scale worker',
    });
    const idleMiB = worker.currentMiB();
    const cpu0 = cpuMs(worker.pid) ?? 0;
    const t0 = Date.now();
    const q = (type: string, status?: string) =>
      `TaskQueue = "${taskQueue}" AND WorkflowType = "${type}"${status ? ` AND ExecutionStatus = "${status}"` : ''}`;

    // One dataset per run, so every dataset's task list stays short (create-or-reattach lists it first).
    const datasets = Array.from(
      { length: config.runs },
      (_, i) => sim.createDataset({ dataset_name: `scale-${i}`, total_sample_count: 1000 }).dataset_id,
    );
    const finishAt = t0 + (config.runs / config.assumedStartsPerSec) * 1000 + config.waitMarginMs;
    // A task's duration is fixed when it is created, which under load can be long after its run was started: until
    // then its dataset's behaviour is re-aimed at `finishAt` every second, so every task finishes around then.
    const aim = (datasetId: string) =>
      sim.setBehavior(datasetId, { durationMs: Math.max(config.minTaskMs, finishAt - Date.now()), progress: 'linear' });
    let pending = new Set(datasets);
    const retimer = setInterval(() => {
      const byDataset = sim.counters().byDataset;
      pending = new Set([...pending].filter((d) => !(byDataset[d]?.exportCreates ?? 0)));
      for (const datasetId of pending) aim(datasetId);
      if (pending.size === 0) clearInterval(retimer);
    }, 1000);
    scope.defer('retimer', () => clearInterval(retimer));
    const ids = datasets.map((_, i) => `scale-${i}-${randomUUID().slice(0, 8)}`);
    log(
      `starting ${config.runs} runs (${config.startConcurrency} in flight); tasks planned to finish at ` +
        `+${Math.round((finishAt - t0) / 1000)} s (linear progress, at least ${config.minTaskMs / 1000} s each)`,
    );
    let started = 0;
    const ticker = setInterval(
      () =>
        log(
          `+${Math.round((Date.now() - t0) / 1000)} s: ${started} started, worker RSS ${worker.currentMiB()} MiB, ` +
            `${sim.counters().total.exportCreates} tasks created`,
        ),
      15_000,
    );
    ticker.unref();
    scope.defer('ticker', () => clearInterval(ticker));
    await mapLimit(datasets, config.startConcurrency, async (datasetId, i) => {
      aim(datasetId);
      await startRun(
        client,
        { steps: [{ kind: 'export', datasetId, request: { path: '/bench-bucket/scale/', export_type: 0 } }] },
        { taskQueue, workflowId: ids[i]! },
      );
      started++;
    });
    const startingMs = Date.now() - t0;
    log(`all ${config.runs} started in ${(startingMs / 1000).toFixed(0)} s; waiting for every task to exist`);
    await pollUntil(() => sim.counters().total.exportCreates >= config.runs, {
      timeoutMs: config.timeoutMs,
      what: 'all export tasks created',
      intervalMs: 1000,
    });
    const allCreatedMs = Date.now() - t0;
    const waitingMiB = worker.currentMiB();
    const running = await countOf(client, q('exportPipeline', 'Running'));
    log(
      `all tasks created at +${Math.round((Date.now() - t0) / 1000)} s; ${running} pipelines running; RSS ${waitingMiB} MiB`,
    );

    await pollUntil(async () => (await countOf(client, q('exportPipeline', 'Running'))) === 0, {
      timeoutMs: Math.max(60_000, finishAt - Date.now() + config.timeoutMs / 2),
      what: 'all pipelines closed',
      intervalMs: 2000,
    });
    const doneAt = Date.now();
    log(`all pipelines closed at +${Math.round((doneAt - t0) / 1000)} s`);
    clearInterval(ticker);

    const pipelines = await listAll(client, q('exportPipeline'));
    const steps = await listAll(client, q('exportStep'));
    const succeeded = pipelines.filter((p) => p.status.name === 'COMPLETED').length;
    const counters = sim.counters();
    const readsPerTask = Object.values(counters.byTask).map((t) => t.statusReads);
    const totalReads = counters.total.exportStatusReads;

    // Task finish = create_time + duration; run done = the pipeline's close time.
    const tasks = await tasksOf(stack, datasets);
    const finishes: number[] = [];
    const intervals: [number, number][] = [];
    const perRunDelay: number[] = [];
    const stepDelay: number[] = [];
    const closeById = new Map(pipelines.map((p) => [p.workflowId, p.closeTime?.getTime() ?? NaN]));
    const stepCloseById = new Map<string, number>();
    for (const st of steps) {
      const closed = st.closeTime?.getTime() ?? NaN;
      stepCloseById.set(st.workflowId, Math.max(stepCloseById.get(st.workflowId) ?? -Infinity, closed));
    }
    datasets.forEach((datasetId, i) => {
      const task = tasks.get(datasetId);
      const finish = task?.finishedAt;
      if (!task || finish === undefined) return;
      const createdAt = task.createdAt;
      finishes.push(finish);
      intervals.push([createdAt, finish]);
      perRunDelay.push((closeById.get(ids[i]!) ?? NaN) - finish);
      stepDelay.push((stepCloseById.get(`${ids[i]!}.step-1`) ?? NaN) - finish);
    });
    const lastClose = Math.max(...pipelines.map((p) => p.closeTime?.getTime() ?? 0));
    const firstFinish = Math.min(...finishes);
    const lastFinish = Math.max(...finishes);
    const delays = perRunDelay.filter((d) => Number.isFinite(d));

    // Continue-as-new batch on the same worker and server: no progress, one read a second.
    const lw = config.longWait;
    const lwPolicy: Partial<PollPolicy> = {
      initialDelayMs: 1000,
      minDelayMs: 1000,
      maxDelayMs: 1000,
      multiplier: 1,
    };
    log(`continue-as-new batch: ${lw.runs} runs × ~${lw.reads} reads, one a second`);
    const lwIds = Array.from({ length: lw.runs }, (_, i) => `scale-longwait-${i}-${randomUUID().slice(0, 8)}`);
    await mapLimit(lwIds, 20, async (workflowId, i) => {
      const ds = sim.createDataset({
        dataset_name: `longwait-${i}`,
        behavior: { durationMs: lw.reads * 1000, queuedMs: 0, progress: 'none' },
      });
      await startRun(
        client,
        {
          steps: [
            { kind: 'export', datasetId: ds.dataset_id, request: { path: '/bench-bucket/longwait/', export_type: 0 } },
          ],
          wait: { policy: lwPolicy },
        },
        { taskQueue, workflowId },
      );
    });
    await pollUntil(async () => (await countOf(client, q('exportPipeline', 'Running'))) === 0, {
      timeoutMs: lw.reads * 1000 * 3 + 120_000,
      what: 'continue-as-new batch closed',
      intervalMs: 2000,
    });
    await sleep(1000);
    const lwSteps = (await listAll(client, q('exportStep'))).filter((s) => s.workflowId.startsWith('scale-longwait-'));
    const lwPipelines = (await listAll(client, q('exportPipeline'))).filter((s) =>
      s.workflowId.startsWith('scale-longwait-'),
    );
    const lwReads = mean(
      (await Promise.all(lwIds.map((id) => client.workflow.getHandle(id).result()))).map(
        (r) => (r as { steps: { statusReads: number }[] }).steps[0]!.statusReads,
      ),
    );

    const pipelineStats = historyStats(pipelines);
    const stepStats = historyStats(steps.filter((s) => !s.workflowId.startsWith('scale-longwait-')));
    const lwStats = historyStats([...lwSteps, ...lwPipelines]);
    const peakMiB = worker.peakMiB();
    const workerCpuSec = +(((cpuMs(worker.pid) ?? cpu0) - cpu0) / 1000).toFixed(1);
    const maxEvents = Math.max(pipelineStats.maxEvents, stepStats.maxEvents, lwStats.maxEvents);
    return {
      config,
      workerEntry: path.relative(projectRoot, REAL_WORKER_ENTRY),
      runs: config.runs,
      succeeded,
      starting: { ms: startingMs, perSec: +((config.runs * 1000) / startingMs).toFixed(1) },
      allCreatedMs,
      maxWaitingAtOnce: maxOverlap(intervals),
      memory: {
        waitingMiB,
        waitingPeakMiB: Math.max(
          0,
          ...worker.rssSamplesMiB.filter((_, i) => worker.startedAt + i * 1000 < firstFinish),
        ),
        peakMiB,
        idleMiB,
        target: `<= ${MEMORY_TARGET_MIB} MiB`,
        met: peakMiB <= MEMORY_TARGET_MIB,
      },
      finish: {
        spreadMs: lastFinish - firstFinish,
        firstFinishToAllDoneMs: lastClose - firstFinish,
        lastFinishToAllDoneMs: lastClose - lastFinish,
        stepDelayMs: quantiles(stepDelay.filter((d) => Number.isFinite(d))),
        perRunDelayMs: quantiles(delays),
      },
      reads: {
        total: totalReads,
        perExport: +(totalReads / config.runs).toFixed(2),
        maxPerTask: Math.max(...readsPerTask),
      },
      history: {
        pipelines: pipelineStats,
        steps: stepStats,
        longWait: {
          ...lwStats,
          runs: lw.runs,
          readsPerRun: +lwReads.toFixed(1),
          continueAsNewPerRun: +((lwSteps.length - lw.runs) / lw.runs).toFixed(1),
        },
        target: `<= ${HISTORY_TARGET_EVENTS} events per run (continue-as-new every ${DEFAULT_MAX_READS_PER_RUN} reads)`,
        met: maxEvents <= HISTORY_TARGET_EVENTS,
      },
      workerCpuSec,
      rssTimelineMiB: downsample(worker, 5),
      measuredAt: new Date(doneAt).toISOString(),
    };
  } finally {
    await scope.close();
  }
}

/** Every `everySec`-th RSS sample, with its time. */
function downsample(worker: WorkerProc, everySec: number): { tSec: number; rss: number }[] {
  return worker.rssSamplesMiB.flatMap((rss, i) => (i % everySec === 0 ? [{ tSec: i, rss }] : []));
}

export function formatScale(r: ScaleResult): string {
  const c = r.config;
  const h = r.history;
  const f = r.finish;
  const rows: (string | number)[][] = [
    ['exports waiting at once (one worker process)', `${r.maxWaitingAtOnce} of ${r.runs}`, '', ''],
    ['start requests answered', `${fmtDuration(r.starting.ms)} (${r.starting.perSec}/s)`, '', ''],
    ['every task created (all runs through their start)', `${fmtDuration(r.allCreatedMs)}`, '', ''],
    [
      'worker RSS (MiB): idle / all created / peak while waiting / peak overall (VmHWM)',
      `${r.memory.idleMiB} / ${r.memory.waitingMiB} / ${r.memory.waitingPeakMiB} / ${r.memory.peakMiB}`,
      r.memory.target,
      yesNo(r.memory.met),
    ],
    ['task finish times spread over', fmtDuration(f.spreadMs), '', ''],
    ['all runs done, after the last task finished', fmtDuration(f.lastFinishToAllDoneMs), '', ''],
    ['all runs done, after the first task finished', fmtDuration(f.firstFinishToAllDoneMs), '', ''],
    [
      'per run: task finish → step closed, p50 / p95 / p99 / max',
      [f.stepDelayMs.p50, f.stepDelayMs.p95, f.stepDelayMs.p99, f.stepDelayMs.max].map(fmtDuration).join(' / '),
      '',
      '',
    ],
    [
      'per run: task finish → pipeline closed, p50 / p95 / p99 / max',
      [f.perRunDelayMs.p50, f.perRunDelayMs.p95, f.perRunDelayMs.p99, f.perRunDelayMs.max].map(fmtDuration).join(' / '),
      '',
      '',
    ],
    ['succeeded', `${r.succeeded} of ${r.runs}`, '', ''],
    ['status reads per export (mean / max)', `${r.reads.perExport} / ${r.reads.maxPerTask}`, '', ''],
    [
      'largest history: pipeline / step runs (events)',
      `${h.pipelines.maxEvents} / ${h.steps.maxEvents} (mean ${h.pipelines.meanEvents} / ${h.steps.meanEvents})`,
      h.target,
      yesNo(h.pipelines.maxEvents <= HISTORY_TARGET_EVENTS && h.steps.maxEvents <= HISTORY_TARGET_EVENTS),
    ],
    [
      `largest history, long waits (${h.longWait.runs} runs × ${h.longWait.readsPerRun} reads, ${h.longWait.continueAsNewPerRun} continue-as-new each)`,
      `${h.longWait.maxEvents} events (${h.longWait.executions} executions)`,
      h.target,
      yesNo(h.longWait.maxEvents <= HISTORY_TARGET_EVENTS),
    ],
    ['worker CPU time', `${r.workerCpuSec} s`, '', ''],
  ];
  return [
    mdTable(['measure', 'value', 'target', 'met'], rows),
    '',
    `${r.runs} single-step exports, one dataset each, linear progress; worker ${r.workerEntry} with ` +
      Object.entries(c.tuning)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') +
      `; ${c.startConcurrency} starts in flight; dev server dynamic config ${JSON.stringify(c.dynamicConfig)}.`,
  ].join('\n');
}
