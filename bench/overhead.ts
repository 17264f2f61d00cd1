/**
 * Part 2, overhead against Temporal itself: exports whose ModelArts task is already finished at the first status
 * read, end to end (client → dev server → worker process → simulator over HTTP), against baseline workflows of the
 * same shape with no-op activities (bench/baseline.ts), batch after batch in alternating order. Each variant runs
 * on a worker process of its own with the same tuning: ours (the shipped bundle's code, tracing interceptor in),
 * ours with tracing on (OTLP/HTTP to a local Jaeger), ours sealed (AES-256-GCM, a key of its own), and the
 * baselines (bare shape: activities on the workflow's queue; budget shape: on the budget queues, as ours; mirror:
 * budget shape plus our search-attribute commands).
 *
 * The request budget is on (every class rate-limited by the server) with limits above the offered load
 * (ABOVE_LOAD_BUDGET): this part measures what the budget's dispatch and our code cost, not the default budget's cap
 * of 2 creates/s (docs/request-budget.md).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import proto from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startRun } from '../src/client/runs.js';
import { DatasetIdKey } from '../src/workflows/search-attributes.js';
import type { PipelineResult } from '../src/workflows/types.js';
import type { Simulator } from '../src/simulator/index.js';
import { OverdueWatch } from '../src/exporter/watch.js';
import { startLocalJaeger } from '../src/stack/local-jaeger.js';
import { KEYS_VARIABLE, SEALED_VARIABLE, sealedSettingsFromEnv } from '../src/sealed/config.js';
import { clientDataConverter, SEALED_FAILURE_CONVERTER_PATH } from '../src/sealed/data-converter.js';
import type { BaselineSpec } from './baseline.js';
import {
  benchClient,
  benchScope,
  benchStack,
  cpuMs,
  eventName,
  historyEvents,
  mapLimit,
  mdTable,
  mean,
  projectRoot,
  selfCpuMs,
  startBenchWorker,
  withTimeout,
  yesNo,
  type WorkerTuningEnv,
} from './support.js';

export type Variant = 'ours' | 'ours-traced' | 'ours-sealed' | 'baseline' | 'baseline-budget' | 'baseline-mirror';
export const VARIANTS: Variant[] = [
  'ours',
  'ours-traced',
  'ours-sealed',
  'baseline',
  'baseline-budget',
  'baseline-mirror',
];
/** Runs of our workflows (the others are the baselines). */
const isOurs = (variant: Variant) => variant.startsWith('ours');
/**
 * The worker process a variant runs on, each with the same tuning and its own task queues: ours, ours traced, ours
 * sealed, and the baselines' (whose bundle lacks our tracing interceptor, so they pay Temporal's costs only).
 */
type WorkerKind = 'plain' | 'traced' | 'sealed' | 'baseline';
const workerOf = (variant: Variant): WorkerKind =>
  variant === 'ours-traced'
    ? 'traced'
    : variant === 'ours-sealed'
      ? 'sealed'
      : variant.startsWith('baseline')
        ? 'baseline'
        : 'plain';

/**
 * One variant against another: `exportsPerSec` = of ÷ over, `cpu` = over's CPU per export ÷ of's (worker + server +
 * bench; above 1 means `of` costs less), `historyBytes` = of's ÷ over's.
 */
export interface Ratio {
  exportsPerSec: number;
  cpu?: number;
  historyBytes?: number;
}

type RatioName = 'ours/bare' | 'ours/budget-shape' | 'budget-shape/bare' | 'traced/ours' | 'sealed/ours';
/** What each ratio shows, and its goal (issues #21, #22, #23): at least `goal` in exports/s and CPU. */
export const RATIOS: {
  name: RatioName;
  of: Variant;
  over: Variant;
  shows: string;
  goal: number;
  maxHistoryBytes?: number;
}[] = [
  { name: 'ours/bare', of: 'ours', over: 'baseline', shows: 'ours against Temporal alone', goal: 0.8 },
  {
    name: 'ours/budget-shape',
    of: 'ours',
    over: 'baseline-budget',
    shows: 'the price of our code (same dispatch)',
    goal: 0.95,
  },
  {
    name: 'budget-shape/bare',
    of: 'baseline-budget',
    over: 'baseline',
    shows: "the price of the budget's design (rate-limited queues)",
    goal: 0.95,
  },
  { name: 'traced/ours', of: 'ours-traced', over: 'ours', shows: 'tracing on against off', goal: 0.95 },
  {
    name: 'sealed/ours',
    of: 'ours-sealed',
    over: 'ours',
    shows: 'sealed mode against off',
    goal: 0.95,
    maxHistoryBytes: 1.15,
  },
];

function totalCpu(s: VariantSummary | undefined): number | undefined {
  const c = s?.cpuMsPerExport;
  return c?.worker !== undefined && c.server !== undefined ? c.worker + c.server + c.bench : undefined;
}

export function ratioOf(summary: Partial<Record<Variant, VariantSummary>>, of: Variant, over: Variant): Ratio {
  const a = summary[of];
  const b = summary[over];
  const cpuA = totalCpu(a);
  const cpuB = totalCpu(b);
  const round = (n: number) => +n.toFixed(3);
  return {
    exportsPerSec: a && b ? round(a.exportsPerSec.mean / b.exportsPerSec.mean) : NaN,
    ...(cpuA !== undefined && cpuB !== undefined && { cpu: round(cpuB / cpuA) }),
    ...(a?.historyBytes !== undefined && b?.historyBytes && { historyBytes: round(a.historyBytes / b.historyBytes) }),
  };
}

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
  /** Only these variants (`--variants`, for trying a change); all when absent. */
  variants?: Variant[];
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
  /** Mean over the rounds (each round on a fresh server, in alternating order). */
  exportsPerSec: { mean: number; min: number; max: number };
  cpuMsPerExport: { worker?: number; server?: number; bench: number };
  /** History events of one sample run: the parent and its step. */
  events: { parent: number; step: number };
  /** Bytes of that run's histories as stored (the parent's and the step's). */
  historyBytes?: number;
  eventTypes: { parent: string[]; step: string[] };
}

export interface OverheadResult {
  config: OverheadConfig;
  workerEntry: string;
  batches: Batch[];
  summary: Partial<Record<Variant, VariantSummary>>;
  /** The ratios the goals are about (RATIOS), in exports/s, CPU per export and history bytes. */
  ratios: Partial<Record<RatioName, Ratio>>;
  /** What the overdue watch saw during the whole part (src/exporter/watch.ts): false alerts. */
  overdueWatch?: string;
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
  // The mirror repeats our commands and our dispatch: its activities go through the budget queues too.
  const budget = variant === 'baseline-budget' || mirror;
  const spec: BaselineSpec = { datasetId, steps: 1, readsPerStep: 1, timerMs: 0, mirror, budget };
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
  const { taskQueue, workerPid, client: workerClient } = ctx.workers[workerOf(variant)];
  const datasets = isOurs(variant) ? datasetsFor(sim, runs, `ovh-${variant}-${round}-${randomUUID().slice(0, 6)}`) : [];
  const ids = Array.from({ length: runs }, (_, i) => `ovh-${variant}-r${round}-${i}-${randomUUID().slice(0, 8)}`);
  const requests0 = sim.counters().total.requests;
  const cpu0 = {
    worker: cpuMs(workerPid),
    server: ctx.serverPid ? cpuMs(ctx.serverPid) : undefined,
    bench: selfCpuMs(),
  };
  const t0 = Date.now();
  const handles = await mapLimit(ids, ctx.startConcurrency, (id, i) =>
    startVariant(workerClient ?? client, variant, taskQueue, id, datasets[i] ?? `baseline-dataset-${i}`),
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
  /** The plain worker (ours and the baselines), the traced and the sealed one, each on its own queue. */
  workers: Record<WorkerKind, { taskQueue: string; workerPid: number; client?: Client }>;
  serverPid?: number;
  startConcurrency: number;
  timeoutMs: number;
}

/** One sample run's history (parent and step), as the server stores it (sealed payloads stay sealed). */
async function sampleHistory(
  client: Client,
  workflowId: string,
): Promise<{ eventTypes: VariantSummary['eventTypes']; bytes: number }> {
  const [parent, step] = await Promise.all([
    historyEvents(client, workflowId),
    historyEvents(client, `${workflowId}.step-1`),
  ]);
  const { History } = proto.temporal.api.history.v1;
  const size = (events: unknown[]) => History.encode({ events: events as never }).finish().length;
  return {
    eventTypes: { parent: parent.map(eventName), step: step.map(eventName) },
    bytes: size(parent) + size(step),
  };
}

export async function runOverhead(config: OverheadConfig, log: (m: string) => void): Promise<OverheadResult> {
  const scope = benchScope();
  try {
    const taskQueue = `bench-overhead-${randomUUID().slice(0, 8)}`;
    const stack = await benchStack(scope, config.dynamicConfig, taskQueue);
    const sim = stack.sim;
    const client = await benchClient(scope, stack.server);

    log('bundling our workflows + the baseline (bench/workflows.ts)');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-bench-bundle-'));
    scope.defer('bundle dir', () => rm(dir, { recursive: true, force: true }));
    const built = path.join(projectRoot, 'dist', 'bench-build');
    const bundle = async (name: string, options: { interceptor: boolean; failureConverterPath?: string }) => {
      const { code } = await bundleWorkflowCode({
        workflowsPath: path.join(built, 'bench', 'workflows.js'),
        // As the shipped bundles (src/scripts/build-workflow-bundle.ts), ours have the tracing interceptor in.
        ...(options.interceptor && {
          workflowInterceptorModules: [path.join(built, 'src', 'workflows', 'tracing.js')],
        }),
        ...(options.failureConverterPath && { failureConverterPath: options.failureConverterPath }),
        logger: new DefaultLogger('WARN'),
      });
      await writeFile(path.join(dir, name), code);
      return path.join(dir, name);
    };
    const bundlePath = await bundle('bench-workflow-bundle.js', { interceptor: true });
    const baselineBundlePath = await bundle('bench-workflow-bundle-baseline.js', { interceptor: false });
    // Sealed mode's bundle carries its failure converter (src/sealed/failure-converter.ts), as the shipped one does.
    const sealedBundlePath = await bundle('bench-workflow-bundle-sealed.js', {
      interceptor: true,
      failureConverterPath: SEALED_FAILURE_CONVERTER_PATH,
    });

    const workerEntry = path.join(projectRoot, 'dist', 'bench-build', 'bench', 'worker-main.js');
    const env = { ...config.tuning, WORKFLOW_BUNDLE_PATH: bundlePath };
    const worker = await startBenchWorker(scope, workerEntry, stack.workerEnv(env), { label: 'overhead worker' });
    const baselineQueue = `${taskQueue}-baseline`;
    const baseline = await startBenchWorker(
      scope,
      workerEntry,
      stack.workerEnv({ ...env, WORKFLOW_BUNDLE_PATH: baselineBundlePath, TEMPORAL_TASK_QUEUE: baselineQueue }),
      { label: 'overhead worker (baselines)' },
    );
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
    const sealedQueue = `${taskQueue}-sealed`;
    const sealedEnv = {
      [SEALED_VARIABLE]: 'true',
      [KEYS_VARIABLE]: JSON.stringify({
        default: { current: 'bench-1', keys: { 'bench-1': randomBytes(32).toString('base64') } },
      }),
    };
    const sealed = await startBenchWorker(
      scope,
      workerEntry,
      stack.workerEnv({
        ...env,
        WORKFLOW_BUNDLE_PATH: sealedBundlePath,
        TEMPORAL_TASK_QUEUE: sealedQueue,
        ...sealedEnv,
      }),
      { label: 'overhead worker (sealed)' },
    );
    // Sealed runs are started (and their results read) by a client holding the same keys.
    const sealedClient = new Client({
      connection: client.connection,
      namespace: client.options.namespace,
      dataConverter: clientDataConverter(sealedSettingsFromEnv(sealedEnv)),
    });
    const ctx: BatchContext = {
      workers: {
        plain: { taskQueue, workerPid: worker.pid },
        baseline: { taskQueue: baselineQueue, workerPid: baseline.pid },
        traced: { taskQueue: tracedQueue, workerPid: traced.pid },
        sealed: { taskQueue: sealedQueue, workerPid: sealed.pid, client: sealedClient },
      },
      startConcurrency: config.startConcurrency,
      timeoutMs: config.timeoutMs,
    };

    // A healthy fleet under load pages no one: every wait the watch sees overdue is a false alert.
    const watch = new OverdueWatch(() => client, [taskQueue, tracedQueue, sealedQueue, baselineQueue]);
    scope.defer('overdue watch', () => watch.stop());

    const variants = config.variants ?? VARIANTS;
    const sampleIds: Partial<Record<Variant, string>> = {};
    const batches: Batch[] = [];
    const devServer = stack.devServer!;
    for (let round = 1; round <= config.rounds; round++) {
      // Every round on an empty server: an in-memory dev server slows as it fills (measured: 19.6 → 11.3 exports/s
      // over 9,000 runs), which would bill a variant for the runs measured before it.
      if (round > 1) await devServer.restart();
      ctx.serverPid = devServer.pid();
      log(`round ${round}: ${round > 1 ? 'fresh dev server, ' : ''}warm-up ${config.warmup} runs of each variant`);
      for (const variant of variants) await runBatch(client, sim, variant, 0, config.warmup, ctx);
      // Alternate the order (an even number of rounds): every variant's mean position in a round is the same.
      const order = round % 2 === 1 ? variants : [...variants].reverse();
      for (const variant of order) {
        const { batch, ids } = await runBatch(client, sim, variant, round, config.runs, ctx);
        sampleIds[variant] = ids[0];
        log(
          `round ${round} ${variant}: ${batch.runs} exports in ${(batch.wallMs / 1000).toFixed(1)} s = ` +
            `${batch.exportsPerSec}/s (failed ${batch.failed})`,
        );
        batches.push(batch);
      }
    }

    const summary: Partial<Record<Variant, VariantSummary>> = {};
    for (const variant of variants) {
      const mine = batches.filter((b) => b.variant === variant);
      const rates = mine.map((b) => b.exportsPerSec);
      const avg = (pick: (b: Batch) => number | undefined) => {
        const values = mine.map(pick).filter((v): v is number => v !== undefined);
        return values.length > 0 ? +mean(values).toFixed(2) : undefined;
      };
      const { eventTypes, bytes } = await sampleHistory(client, sampleIds[variant]!);
      const worker = avg((b) => b.cpuMsPerExport.worker);
      const serverCpu = avg((b) => b.cpuMsPerExport.server);
      summary[variant] = {
        exportsPerSec: { mean: +mean(rates).toFixed(1), min: Math.min(...rates), max: Math.max(...rates) },
        cpuMsPerExport: {
          ...(worker !== undefined && { worker }),
          ...(serverCpu !== undefined && { server: serverCpu }),
          bench: avg((b) => b.cpuMsPerExport.bench)!,
        },
        events: { parent: eventTypes.parent.length, step: eventTypes.step.length },
        historyBytes: bytes,
        eventTypes,
      };
    }
    const overdueWatch = await watch.stop();
    const ratios: Partial<Record<RatioName, Ratio>> = {};
    for (const { name, of, over } of RATIOS)
      if (summary[of] && summary[over]) ratios[name] = ratioOf(summary, of, over);
    return {
      config,
      workerEntry: path.relative(projectRoot, workerEntry),
      batches,
      summary,
      ratios,
      overdueWatch,
      measuredAt: new Date().toISOString(),
    };
  } finally {
    await scope.close();
  }
}

const VARIANT_TITLES: Record<Variant, string> = {
  ours: 'ours (exportPipeline → exportStep)',
  'ours-traced': 'ours, tracing on (OTLP to Jaeger)',
  'ours-sealed': 'ours, sealed mode (AES-256-GCM)',
  baseline: 'baseline (bare shape)',
  'baseline-budget': 'baseline (budget shape: activities on the budget queues)',
  'baseline-mirror': 'baseline (mirror: budget shape + our commands)',
};

export function formatOverhead(r: OverheadResult): string {
  const ours = r.summary.ours;
  const rows = VARIANTS.filter((v) => r.summary[v] !== undefined).map((v) => {
    const s = r.summary[v]!;
    const cpu = s.cpuMsPerExport;
    const fmt = (n?: number) => (n === undefined ? '–' : n.toFixed(1));
    const bytes = s.historyBytes !== undefined ? ` (${(s.historyBytes / 1024).toFixed(1)} KiB)` : '';
    return [
      VARIANT_TITLES[v],
      s.exportsPerSec.mean.toFixed(1),
      `${s.exportsPerSec.min}–${s.exportsPerSec.max}`,
      ours ? (ours.exportsPerSec.mean / s.exportsPerSec.mean).toFixed(2) : '–',
      `${s.events.parent} + ${s.events.step}${bytes}`,
      `${fmt(cpu.worker)} / ${fmt(cpu.server)} / ${fmt(cpu.bench)}`,
    ];
  });
  const c = r.config;
  return [
    mdTable(
      [
        'workflow',
        'exports/s (mean of rounds)',
        'range',
        'ours ÷ this',
        'events (parent + step), history',
        'CPU ms/export: worker / server / bench',
      ],
      rows,
    ),
    '',
    `${c.rounds} round(s) × ${c.runs} exports per variant (after ${c.warmup} warm-up runs each), ${c.startConcurrency} starts in flight; ` +
      `worker: ${Object.entries(c.tuning)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    '',
    formatRatios(r.ratios),
    '',
    "CPU per export: worker + dev server + bench process (client and simulator); Jaeger's own CPU not counted.",
    ...(r.overdueWatch ? [`False alerts: ${r.overdueWatch} (every batch, every worker)`] : []),
  ].join('\n');
}

function formatRatios(ratios: Partial<Record<RatioName, Ratio>>): string {
  const rows = RATIOS.filter((d) => ratios[d.name]).map((d) => {
    const q = ratios[d.name]!;
    const bytesMet = d.maxHistoryBytes === undefined || (q.historyBytes ?? Infinity) <= d.maxHistoryBytes;
    const met = q.exportsPerSec >= d.goal && (q.cpu === undefined || q.cpu >= d.goal) && bytesMet;
    const goal = `≥ ${d.goal}${d.maxHistoryBytes !== undefined ? `, bytes ≤ ${d.maxHistoryBytes}` : ''}`;
    return [
      d.name.replace('/', ' ÷ '),
      d.shows,
      q.exportsPerSec.toFixed(2),
      q.cpu?.toFixed(2) ?? '–',
      q.historyBytes?.toFixed(2) ?? '–',
      `${goal} → ${yesNo(met)}`,
    ];
  });
  return mdTable(['ratio', 'shows', 'exports/s', 'CPU per export (inverse)', 'history bytes', 'goal'], rows);
}
