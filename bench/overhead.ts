/**
 * Part 2, overhead against Temporal itself: exports whose ModelArts task is already finished at the first status
 * read, end to end (client → dev server → worker process → simulator over HTTP), against a baseline workflow of
 * the same shape with no-op activities (bench/baseline.ts) on the same worker and server, batch after batch.
 * `ours-traced` runs the same exports on a second worker process with tracing on (OTLP/HTTP to a local Jaeger,
 * src/stack/local-jaeger.ts): the price of tracing, measured beside the untraced worker in the same run.
 *
 * The request budget is set explicitly, above the offered load (`unlimited` for both classes): this part measures
 * our code against Temporal, not the fleet's default budget of 2 creates/s (docs/request-budget.md).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startRun } from '../src/client/runs.js';
import { DatasetIdKey } from '../src/workflows/search-attributes.js';
import type { PipelineResult } from '../src/workflows/types.js';
import type { Simulator } from '../src/simulator/index.js';
import { OverdueWatch } from '../src/exporter/watch.js';
import { startLocalJaeger } from '../src/stack/local-jaeger.js';
import type { BaselineSpec } from './baseline.js';
import {
  benchClient,
  benchScope,
  benchStack,
  childPid,
  cpuMs,
  eventName,
  historyEvents,
  mapLimit,
  mdTable,
  mean,
  projectRoot,
  quantile,
  selfCpuMs,
  startBenchWorker,
  withTimeout,
  yesNo,
  type WorkerTuningEnv,
} from './support.js';

export type Variant = 'ours' | 'ours-traced' | 'baseline' | 'baseline-mirror';
export const VARIANTS: Variant[] = ['ours', 'ours-traced', 'baseline', 'baseline-mirror'];
/** Runs of our workflows (the others are the baselines). */
const isOurs = (variant: Variant) => variant === 'ours' || variant === 'ours-traced';
export const OVERHEAD_TARGET_RATIO = 0.8;

export interface OverheadConfig {
  /** Exports per batch (one batch per variant per round). */
  runs: number;
  rounds: number;
  /** Runs of each variant before measuring (JIT, caches, connections). */
  warmup: number;
  /** Workflow starts in flight at once. */
  startConcurrency: number;
  tuning: WorkerTuningEnv;
  dynamicConfig: Record<string, string | number | boolean>;
  timeoutMs: number;
}

export interface Batch {
  variant: Variant;
  round: number;
  runs: number;
  failed: number;
  /** From the first start request to the last result. */
  wallMs: number;
  /** Until every start request was answered. */
  startsMs: number;
  exportsPerSec: number;
  /** CPU per export, ms: the worker process, the dev server, the bench process (client + simulator). */
  cpuMsPerExport: { worker?: number; server?: number; bench: number };
  /** Simulator requests per export (0 for the baselines). */
  simRequestsPerExport: number;
}

export interface VariantSummary {
  /** Median over the rounds: one batch slowed by something else on the machine does not move it. */
  exportsPerSec: { median: number; min: number; max: number };
  cpuMsPerExport: { worker?: number; server?: number; bench: number };
  /** History events of one sample run: the parent and its step. */
  events: { parent: number; step: number };
  eventTypes: { parent: string[]; step: string[] };
}

export interface OverheadResult {
  config: OverheadConfig;
  workerEntry: string;
  batches: Batch[];
  summary: Record<Variant, VariantSummary>;
  /** ours / baseline (bare shape), and ours / baseline-mirror (same commands). */
  ratio: number;
  ratioMirror: number;
  /** ours-traced / ours: throughput with tracing on against off. */
  tracingRatio: number;
  /** What the overdue watch saw during the whole part (src/exporter/watch.ts): false alerts. */
  overdueWatch?: string;
  target: string;
  met: boolean;
  measuredAt: string;
}

function datasetsFor(sim: Simulator, count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, i) => {
    const ds = sim.createDataset({
      dataset_name: `${prefix}-${i}`,
      behavior: { durationMs: 0, queuedMs: 0, progress: 'linear' },
    });
    return ds.dataset_id;
  });
}

async function startVariant(
  client: Client,
  variant: Variant,
  taskQueue: string,
  workflowId: string,
  datasetId: string,
): Promise<WorkflowHandle> {
  if (isOurs(variant)) {
    const { handle } = await startRun(
      client,
      { steps: [{ kind: 'export', datasetId, request: { path: '/bench-bucket/overhead/', export_type: 0 } }] },
      { taskQueue, workflowId },
    );
    return handle;
  }
  const mirror = variant === 'baseline-mirror';
  const spec: BaselineSpec = { datasetId, steps: 1, readsPerStep: 1, timerMs: 0, mirror };
  return client.workflow.start('baselinePipeline', {
    workflowId,
    taskQueue,
    args: [spec],
    ...(mirror && {
      typedSearchAttributes: new TypedSearchAttributes([{ key: DatasetIdKey, value: datasetId }]),
      staticSummary: `Baseline export on dataset ${datasetId} (1 step)`,
      staticDetails: '```json\n' + JSON.stringify(spec, null, 2) + '\n```',
    }),
  });
}

async function runBatch(
  client: Client,
  sim: Simulator,
  variant: Variant,
  round: number,
  runs: number,
  ctx: BatchContext,
): Promise<{ batch: Batch; ids: string[] }> {
  const { taskQueue, workerPid } = ctx.workers[variant === 'ours-traced' ? 'traced' : 'plain'];
  const datasets = isOurs(variant) ? datasetsFor(sim, runs, `ovh-${variant}-${round}`) : [];
  const ids = Array.from({ length: runs }, (_, i) => `ovh-${variant}-r${round}-${i}-${randomUUID().slice(0, 8)}`);
  const requests0 = sim.counters().total.requests;
  const cpu0 = {
    worker: cpuMs(workerPid),
    server: ctx.serverPid ? cpuMs(ctx.serverPid) : undefined,
    bench: selfCpuMs(),
  };
  const t0 = Date.now();
  const handles = await mapLimit(ids, ctx.startConcurrency, (id, i) =>
    startVariant(client, variant, taskQueue, id, datasets[i] ?? `baseline-dataset-${i}`),
  );
  const startsMs = Date.now() - t0;
  const settled = await withTimeout(
    Promise.allSettled(handles.map((h) => h.result() as Promise<unknown>)),
    ctx.timeoutMs,
    `${variant} batch`,
  );
  const wallMs = Date.now() - t0;
  const failed = settled.filter(
    (s) =>
      s.status === 'rejected' || (isOurs(variant) && (s.value as PipelineResult | undefined)?.outcome !== 'succeeded'),
  ).length;
  const firstFailure = settled.find((s) => s.status === 'rejected');
  if (firstFailure) console.error(`  ${variant}: ${failed} failed, e.g. ${String(firstFailure.reason)}`);
  const per = (a?: number, b?: number) =>
    a !== undefined && b !== undefined ? +((b - a) / runs).toFixed(2) : undefined;
  const workerCpu = per(cpu0.worker, cpuMs(workerPid));
  const serverCpu = ctx.serverPid ? per(cpu0.server, cpuMs(ctx.serverPid)) : undefined;
  return {
    ids,
    batch: {
      variant,
      round,
      runs,
      failed,
      wallMs,
      startsMs,
      exportsPerSec: +((runs * 1000) / wallMs).toFixed(1),
      cpuMsPerExport: {
        ...(workerCpu !== undefined && { worker: workerCpu }),
        ...(serverCpu !== undefined && { server: serverCpu }),
        bench: per(cpu0.bench, selfCpuMs())!,
      },
      simRequestsPerExport: +((sim.counters().total.requests - requests0) / runs).toFixed(2),
    },
  };
}

interface BatchContext {
  /** The untraced worker (ours and the baselines) and the traced one (ours-traced), each on its own queue. */
  workers: Record<'plain' | 'traced', { taskQueue: string; workerPid: number }>;
  serverPid?: number;
  startConcurrency: number;
  timeoutMs: number;
}

async function sampleEvents(client: Client, workflowId: string): Promise<VariantSummary['eventTypes']> {
  const [parent, step] = await Promise.all([
    historyEvents(client, workflowId),
    historyEvents(client, `${workflowId}.step-1`),
  ]);
  return { parent: parent.map(eventName), step: step.map(eventName) };
}

export async function runOverhead(config: OverheadConfig, log: (m: string) => void): Promise<OverheadResult> {
  const scope = benchScope();
  try {
    const taskQueue = `bench-overhead-${randomUUID().slice(0, 8)}`;
    const stack = await benchStack(scope, config.dynamicConfig, taskQueue);
    const serverPid = childPid('start-dev');
    const sim = stack.sim;
    const client = await benchClient(scope, stack.server);

    log('bundling our workflows + the baseline (bench/workflows.ts)');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-bench-bundle-'));
    scope.defer('bundle dir', () => rm(dir, { recursive: true, force: true }));
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(projectRoot, 'dist', 'bench-build', 'bench', 'workflows.js'),
      logger: new DefaultLogger('WARN'),
    });
    const bundlePath = path.join(dir, 'bench-workflow-bundle.js');
    await writeFile(bundlePath, code);

    const workerEntry = path.join(projectRoot, 'dist', 'bench-build', 'bench', 'worker-main.js');
    const env = { ...config.tuning, WORKFLOW_BUNDLE_PATH: bundlePath };
    const worker = await startBenchWorker(scope, workerEntry, stack.workerEnv(env), { label: 'overhead worker' });
    log('starting Jaeger for the traced worker (built and cached on first use)');
    const jaegerDir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-bench-jaeger-'));
    scope.defer('jaeger dir', () => rm(jaegerDir, { recursive: true, force: true }));
    const jaeger = await startLocalJaeger(jaegerDir, log);
    scope.defer('jaeger', () => jaeger.stop());
    const tracedQueue = `${taskQueue}-traced`;
    const traced = await startBenchWorker(
      scope,
      workerEntry,
      stack.workerEnv({
        ...env,
        TEMPORAL_TASK_QUEUE: tracedQueue,
        OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint,
        OTEL_SERVICE_NAME: 'modelarts-bench',
      }),
      { label: 'overhead worker (traced)' },
    );
    const ctx: BatchContext = {
      workers: {
        plain: { taskQueue, workerPid: worker.pid },
        traced: { taskQueue: tracedQueue, workerPid: traced.pid },
      },
      serverPid,
      startConcurrency: config.startConcurrency,
      timeoutMs: config.timeoutMs,
    };

    // A healthy fleet under load pages no one: every wait the watch sees overdue is a false alert.
    const watch = new OverdueWatch(() => client, [taskQueue, tracedQueue]);
    scope.defer('overdue watch', () => watch.stop());

    log(`warm-up: ${config.warmup} runs of each variant`);
    const sampleIds: Partial<Record<Variant, string>> = {};
    for (const variant of VARIANTS) {
      const { ids } = await runBatch(client, sim, variant, 0, config.warmup, ctx);
      sampleIds[variant] = ids[0];
    }

    const batches: Batch[] = [];
    for (let round = 1; round <= config.rounds; round++) {
      // Alternate the order so neither variant always runs on a warmer (or busier) machine.
      const order = round % 2 === 1 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) {
        const { batch } = await runBatch(client, sim, variant, round, config.runs, ctx);
        log(
          `round ${round} ${variant}: ${batch.runs} exports in ${(batch.wallMs / 1000).toFixed(1)} s = ` +
            `${batch.exportsPerSec}/s (failed ${batch.failed})`,
        );
        batches.push(batch);
      }
    }

    const summary = {} as Record<Variant, VariantSummary>;
    for (const variant of VARIANTS) {
      const mine = batches.filter((b) => b.variant === variant);
      const rates = mine.map((b) => b.exportsPerSec);
      const avg = (pick: (b: Batch) => number | undefined) => {
        const values = mine.map(pick).filter((v): v is number => v !== undefined);
        return values.length > 0 ? +mean(values).toFixed(2) : undefined;
      };
      const eventTypes = await sampleEvents(client, sampleIds[variant]!);
      const worker = avg((b) => b.cpuMsPerExport.worker);
      const serverCpu = avg((b) => b.cpuMsPerExport.server);
      summary[variant] = {
        exportsPerSec: { median: +quantile(rates, 0.5).toFixed(1), min: Math.min(...rates), max: Math.max(...rates) },
        cpuMsPerExport: {
          ...(worker !== undefined && { worker }),
          ...(serverCpu !== undefined && { server: serverCpu }),
          bench: avg((b) => b.cpuMsPerExport.bench)!,
        },
        events: { parent: eventTypes.parent.length, step: eventTypes.step.length },
        eventTypes,
      };
    }
    const ratio = +(summary.ours.exportsPerSec.median / summary.baseline.exportsPerSec.median).toFixed(3);
    const ratioMirror = +(summary.ours.exportsPerSec.median / summary['baseline-mirror'].exportsPerSec.median).toFixed(
      3,
    );
    const overdueWatch = await watch.stop();
    const tracingRatio = +(summary['ours-traced'].exportsPerSec.median / summary.ours.exportsPerSec.median).toFixed(3);
    return {
      config,
      workerEntry: path.relative(projectRoot, workerEntry),
      batches,
      summary,
      ratio,
      ratioMirror,
      tracingRatio,
      overdueWatch,
      target: `ours/baseline >= ${OVERHEAD_TARGET_RATIO}`,
      met: ratio >= OVERHEAD_TARGET_RATIO,
      measuredAt: new Date().toISOString(),
    };
  } finally {
    await scope.close();
  }
}

export function formatOverhead(r: OverheadResult): string {
  // Results from before a variant existed render without its row.
  const rows = VARIANTS.filter((v) => r.summary[v] !== undefined).map((v) => {
    const s = r.summary[v];
    const cpu = s.cpuMsPerExport;
    const fmt = (n?: number) => (n === undefined ? '–' : n.toFixed(1));
    return [
      v === 'ours'
        ? 'ours (exportPipeline → exportStep)'
        : v === 'ours-traced'
          ? 'ours, tracing on (OTLP to Jaeger)'
          : v === 'baseline'
            ? 'baseline (bare shape)'
            : 'baseline (mirror)',
      s.exportsPerSec.median.toFixed(1),
      `${s.exportsPerSec.min}–${s.exportsPerSec.max}`,
      v === 'ours' ? '1.00' : (r.summary.ours.exportsPerSec.median / s.exportsPerSec.median).toFixed(2),
      `${s.events.parent} + ${s.events.step}`,
      `${fmt(cpu.worker)} / ${fmt(cpu.server)} / ${fmt(cpu.bench)}`,
    ];
  });
  const c = r.config;
  return [
    mdTable(
      [
        'workflow',
        'exports/s (median)',
        'range',
        'ours ÷ this',
        'events (parent + step)',
        'CPU ms/export: worker / server / bench',
      ],
      rows,
    ),
    '',
    `${c.rounds} round(s) × ${c.runs} exports per variant (after ${c.warmup} warm-up runs each), ${c.startConcurrency} starts in flight; ` +
      `worker: ${Object.entries(c.tuning)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    `Target: ${r.target} (bare shape): ${r.ratio.toFixed(2)} → ${yesNo(r.met)}; against the mirror baseline: ${r.ratioMirror.toFixed(2)}`,
    `CPU per export (worker + dev server + bench), less sensitive to other load on the machine: ` +
      `bare baseline ÷ ours = ${cpuRatio(r, 'baseline')}, mirror baseline ÷ ours = ${cpuRatio(r, 'baseline-mirror')}`,
    ...(r.overdueWatch ? [`False alerts: ${r.overdueWatch} (every exports/s batch, both workers)`] : []),
    // Runs measured before the traced variant existed have no tracing ratio.
    ...(r.tracingRatio !== undefined
      ? [
          `Tracing on ÷ off: ${r.tracingRatio.toFixed(2)} exports/s (goal ≥ 0.95 → ${yesNo(r.tracingRatio >= 0.95)}); ` +
            `CPU per export, off ÷ on: ${cpuRatio(r, 'ours', 'ours-traced')} (Jaeger's own CPU not counted)`,
        ]
      : []),
  ].join('\n');
}

/** Total CPU per export of a baseline divided by ours: the throughput ratio a CPU-bound machine would show. */
export function cpuRatio(r: OverheadResult, baseline: Variant, against: Variant = 'ours'): string {
  const total = (v: Variant) => {
    const c = r.summary[v]?.cpuMsPerExport;
    if (!c) return undefined;
    return c.worker !== undefined && c.server !== undefined ? c.worker + c.server + c.bench : undefined;
  };
  const ours = total(against);
  const base = total(baseline);
  return ours !== undefined && base !== undefined ? (base / ours).toFixed(2) : 'n/a';
}
