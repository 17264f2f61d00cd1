/**
 * Part 4, stack: exports per second on the PostgreSQL-backed Temporal server of the native production stack
 * (src/stack/: temporal-server on PostgreSQL, as docker-compose.yml runs it) against the dev server
 * (`temporal server start-dev`, SQLite in memory), in one bench run. The same burst on each: N exports of short
 * tasks, all started at once, then awaited, on 3 worker processes per server. Both servers share the stack's
 * simulator process, and their workers run the same command with the same environment (the stack's, pointed at
 * the other server), so the server is the one difference. Batches alternate between the servers, round after round.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { startRun } from '../src/client/runs.js';
import { freePort } from '../src/devserver/dev-server.js';
import { SimulatorAdmin } from '../src/simulator/admin-client.js';
import type * as StackModule from '../src/stack/stack.js';
import type { PipelineResult } from '../src/workflows/types.js';
import {
  ABOVE_LOAD_BUDGET,
  benchClient,
  benchDevServer,
  cliVersion,
  fmtDuration,
  mapLimit,
  mdTable,
  projectRoot,
  quantile,
  benchScope,
  startBenchWorker,
  withTimeout,
} from './support.js';

export type StackServer = 'dev' | 'postgres';
export const STACK_SERVERS: StackServer[] = ['dev', 'postgres'];

export interface StackConfig {
  /** Exports per batch (one batch per server per round), all started at once. */
  runs: number;
  rounds: number;
  /** Runs on each server before measuring (JIT, caches, connections). */
  warmup: number;
  /** How long each export task takes in the simulator. */
  taskMs: number;
  /** Worker processes per server. */
  workers: number;
  /** Ports of the stack: clear of the default stack (7400), test:stack (27400) and chaos --stack (17400). */
  basePort: number;
  dynamicConfig: Record<string, string | number | boolean>;
  timeoutMs: number;
}

export interface StackBatch {
  server: StackServer;
  round: number;
  runs: number;
  failed: number;
  /** From the first start request until every one was answered. */
  startMs: number;
  /** From the first start request until the last result. */
  allResultsMs: number;
  runsPerSec: number;
  startsPerSec: number;
  /** Per run, from the first start request to its result. */
  completionMs: { p50: number; p90: number; max: number };
  /** Export creates per run, from the simulator's counters (1 and 1 when every run created exactly one task). */
  creates: { min: number; max: number };
}

export interface StackServerSummary {
  /** Medians over the rounds. */
  startMs: number;
  allResultsMs: number;
  runsPerSec: { median: number; min: number; max: number };
  startsPerSec: number;
  completionMs: { p50: number; p90: number };
}

export interface StackResult {
  config: StackConfig;
  versions: { postgresServer: string; devServer: string };
  batches: StackBatch[];
  summary: Record<StackServer, StackServerSummary>;
  /** PostgreSQL ÷ dev server: runs per second, start requests per second. */
  ratio: { runsPerSec: number; startsPerSec: number };
  measuredAt: string;
}

/** A server with its client and task queue. */
interface Target {
  server: StackServer;
  client: Client;
  taskQueue: string;
}

/**
 * The stack module from the main build (dist/stack/): it finds docker-compose.yml and deploy/ relative to itself,
 * which the bench's own compiled copy (dist/bench-build/src/stack/) would not.
 */
async function loadStack(): Promise<typeof StackModule> {
  return (await import(pathToFileURL(path.join(projectRoot, 'dist', 'stack', 'stack.js')).href)) as typeof StackModule;
}

async function runBatch(
  target: Target,
  admin: SimulatorAdmin,
  round: number,
  runs: number,
  config: StackConfig,
): Promise<StackBatch> {
  const tag = `stk-${target.server}-r${round}-${randomUUID().slice(0, 8)}`;
  // One dataset per run, so create-or-reattach lists a one-task dataset.
  const datasets = await mapLimit(Array.from({ length: runs }), 20, async (_, i) => {
    const behavior = { durationMs: config.taskMs, queuedMs: 0, progress: 'linear' as const };
    return (await admin.createDataset({ dataset_name: `${tag}-${i}`, behavior })).dataset_id;
  });
  const t0 = Date.now();
  const handles = await Promise.all(
    datasets.map(async (datasetId, i) => {
      const spec = {
        steps: [{ kind: 'export', datasetId, request: { path: '/bench-bucket/stack/', export_type: 0 } }],
      };
      return (await startRun(target.client, spec, { taskQueue: target.taskQueue, workflowId: `${tag}-${i}` })).handle;
    }),
  );
  const startMs = Date.now() - t0;
  const done: number[] = [];
  const settled = await withTimeout(
    Promise.allSettled(
      handles.map(async (handle) => {
        const result = (await handle.result()) as PipelineResult;
        done.push(Date.now() - t0);
        return result;
      }),
    ),
    config.timeoutMs,
    `${target.server} batch`,
  );
  const allResultsMs = Date.now() - t0;
  const failed = settled.filter((s) => s.status === 'rejected' || s.value.outcome !== 'succeeded').length;
  const counters = await admin.counters();
  const creates = datasets.map((d) => counters.byDataset[d]?.exportCreates ?? 0);
  return {
    server: target.server,
    round,
    runs,
    failed,
    startMs,
    allResultsMs,
    runsPerSec: +((runs * 1000) / allResultsMs).toFixed(2),
    startsPerSec: +((runs * 1000) / startMs).toFixed(1),
    completionMs: { p50: quantile(done, 0.5), p90: quantile(done, 0.9), max: Math.max(...done) },
    creates: { min: Math.min(...creates), max: Math.max(...creates) },
  };
}

export async function runStack(config: StackConfig, log: (m: string) => void): Promise<StackResult> {
  const scope = benchScope();
  try {
    const { NativeStack, stopStack } = await loadStack();
    const taskQueue = `bench-stack-${randomUUID().slice(0, 8)}`;
    const budgetEnv = Object.fromEntries(Object.entries(ABOVE_LOAD_BUDGET).map(([k, v]) => [k, String(v)]));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-bench-stack-'));
    // Before `up`, so a stack that fails half-way up is stopped too (stopStack reads <dir>/stack.json).
    scope.defer('native stack', () => stopStack(dir), 120_000);
    log(`bringing up the native stack (base port ${config.basePort}, ${config.workers} workers)`);
    const stack = await NativeStack.up({
      dir,
      basePort: config.basePort,
      workers: config.workers,
      // Both servers' workers with the budget set above the offered load (bench/support.ts): the servers are compared.
      workerEnv: { TEMPORAL_TASK_QUEUE: taskQueue, ...budgetEnv },
      log,
    });
    const connection = await Connection.connect({ address: stack.address });
    scope.defer('stack client connection', () => connection.close());
    const admin = new SimulatorAdmin(stack.simulatorUrl);

    const devServer = await benchDevServer(scope, config.dynamicConfig);
    // The stack's worker command and environment, pointed at the dev server.
    const env = { ...stack.workerEnv(), TEMPORAL_ADDRESS: devServer.address, TEMPORAL_NAMESPACE: devServer.namespace };
    for (let i = 1; i <= config.workers; i++) {
      // Each with a metrics port of its own, as the stack gives its workers (compose's environment names one port).
      const metrics = { WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}` };
      await startBenchWorker(
        scope,
        path.join(projectRoot, 'bin', 'modelarts-export.js'),
        { ...env, ...metrics },
        {
          args: ['worker'],
          label: `dev-server worker ${i}`,
        },
      );
    }
    const targets: Record<StackServer, Target> = {
      dev: { server: 'dev', client: await benchClient(scope, devServer), taskQueue },
      postgres: { server: 'postgres', client: new Client({ connection, namespace: stack.namespace }), taskQueue },
    };

    log(`warm-up: ${config.warmup} runs on each server`);
    for (const server of STACK_SERVERS) await runBatch(targets[server], admin, 0, config.warmup, config);
    const batches: StackBatch[] = [];
    for (let round = 1; round <= config.rounds; round++) {
      // Alternate the order so neither server always runs on a warmer (or busier) machine.
      const order = round % 2 === 1 ? STACK_SERVERS : [...STACK_SERVERS].reverse();
      for (const server of order) {
        const batch = await runBatch(targets[server], admin, round, config.runs, config);
        log(
          `round ${round} ${server}: ${batch.runs} exports, started in ${fmtDuration(batch.startMs)}, all results in ` +
            `${fmtDuration(batch.allResultsMs)} = ${batch.runsPerSec}/s (failed ${batch.failed}, creates per run ` +
            `${batch.creates.min}–${batch.creates.max})`,
        );
        batches.push(batch);
      }
    }

    const median = (values: number[]) => +quantile(values, 0.5).toFixed(2);
    const summary = {} as Record<StackServer, StackServerSummary>;
    for (const server of STACK_SERVERS) {
      const mine = batches.filter((b) => b.server === server);
      const rates = mine.map((b) => b.runsPerSec);
      summary[server] = {
        startMs: median(mine.map((b) => b.startMs)),
        allResultsMs: median(mine.map((b) => b.allResultsMs)),
        runsPerSec: { median: median(rates), min: Math.min(...rates), max: Math.max(...rates) },
        startsPerSec: median(mine.map((b) => b.startsPerSec)),
        completionMs: {
          p50: median(mine.map((b) => b.completionMs.p50)),
          p90: median(mine.map((b) => b.completionMs.p90)),
        },
      };
    }
    const ratio = (pick: (s: StackServerSummary) => number) => +(pick(summary.postgres) / pick(summary.dev)).toFixed(3);
    return {
      config,
      versions: {
        postgresServer: `temporal-server ${stack.compose.imageTag('temporal', process.env)} on PostgreSQL`,
        devServer: await cliVersion(devServer),
      },
      batches,
      summary,
      ratio: { runsPerSec: ratio((s) => s.runsPerSec.median), startsPerSec: ratio((s) => s.startsPerSec) },
      measuredAt: new Date().toISOString(),
    };
  } finally {
    await scope.close();
  }
}

export function formatStack(r: StackResult): string {
  const c = r.config;
  const row = (label: string, s: StackServerSummary) => [
    label,
    `${fmtDuration(s.startMs)} (${s.startsPerSec}/s)`,
    fmtDuration(s.allResultsMs),
    `${s.runsPerSec.median.toFixed(2)} (${s.runsPerSec.min}–${s.runsPerSec.max})`,
    `${fmtDuration(s.completionMs.p50)} / ${fmtDuration(s.completionMs.p90)}`,
  ];
  const failed = r.batches.reduce((sum, b) => sum + b.failed, 0);
  const creates = r.batches.every((b) => b.creates.min === 1 && b.creates.max === 1);
  return [
    mdTable(
      ['server', 'start requests answered', 'all results', 'runs/s (median, range)', 'run completion p50 / p90'],
      [
        row(
          `dev server (${r.versions.devServer.replace(/^temporal version /, 'CLI ')}, SQLite in memory)`,
          r.summary.dev,
        ),
        row(`native stack (${r.versions.postgresServer})`, r.summary.postgres),
      ],
    ),
    '',
    `PostgreSQL ÷ dev server: runs/s ${r.ratio.runsPerSec.toFixed(2)}, start requests/s ${r.ratio.startsPerSec.toFixed(2)}.`,
    `${c.rounds} round(s) × ${c.runs} exports per server (after ${c.warmup} warm-up runs each), all started at once ` +
      `and awaited; tasks of ${c.taskMs / 1000} s, one dataset each, default polling policy; ${c.workers} worker ` +
      `processes per server with the stack's environment; medians over the rounds. ${failed} failed; ` +
      `${creates ? 'exactly 1 create per run' : 'NOT exactly 1 create per run'} (simulator counters). ` +
      `Dev server dynamic config ${JSON.stringify(c.dynamicConfig)}; the stack's server runs ` +
      `deploy/dynamicconfig/development-sql.yaml.`,
  ].join('\n');
}
