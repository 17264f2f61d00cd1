/**
 * The cost of following a run (`start --wait`): progress queries, and the worker replays they cause when the run
 * is not in the worker's cache (a fleet with thousands of waits cannot cache them all), for a follow that asks
 * every second (the follow before 2026-12-06) against one aimed at the step's planned reads (src/cli/progress-view.ts),
 * each over one export of the same length, in the same run. The worker caches one workflow, so a query of the
 * pipeline evicts the step and the other way round: every query that reaches the worker replays a history.
 */
import type { Client } from '@temporalio/client';
import { awaitRun, getProgress, startRun } from '../src/client/runs.js';
import { followRun } from '../src/cli/progress-view.js';
import { freePort } from '../src/devserver/dev-server.js';
import {
  ABOVE_LOAD_BUDGET,
  benchClient,
  benchScope,
  benchStack,
  cpuMs,
  mdTable,
  REAL_WORKER_ENTRY,
  sleep,
  startBenchWorker,
} from './support.js';

export interface FollowConfig {
  /** Length of each export (one per follow). */
  taskMs: number;
  dynamicConfig: Record<string, string | number>;
  timeoutMs: number;
}

interface FollowRow {
  follow: 'every second' | 'aimed at reads';
  taskMs: number;
  statusReads: number;
  progressQueries: number;
  /** Workflow-task replays as the SDK's workflow_task_replay_latency counts them (query-only replays are not in it). */
  workerReplays: number;
  stickyCacheMisses: number;
  /** CPU the worker process spent during the follow (ms): what answering the queries cost it. */
  workerCpuMs: number;
  outcome: string;
}

export interface FollowResult {
  measuredAt: string;
  config: Omit<FollowConfig, 'dynamicConfig'>;
  rows: FollowRow[];
}

/** Sums every sample of the metrics whose name contains `needle` (and ends with `_count` for histograms). */
async function metric(url: string, needle: string, histogram: boolean): Promise<number> {
  const text = await (await fetch(url)).text();
  return text
    .split('\n')
    .filter((line) => !line.startsWith('#') && line.includes(needle))
    .filter((line) => !histogram || /_count[{\s]/.test(line))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/).at(-1)), 0);
}

/** The follow before the change: every second, one progress read (describe and two queries), until the run ends. */
async function followEverySecond(client: Client, workflowId: string, onQuery: () => void): Promise<void> {
  let done = false;
  const outcome = awaitRun(client, workflowId).finally(() => (done = true));
  while (!done) {
    onQuery();
    await getProgress(client, workflowId).catch(() => undefined);
    await Promise.race([sleep(1000), outcome]);
  }
}

export async function runFollow(config: FollowConfig, log: (m: string) => void): Promise<FollowResult> {
  const scope = benchScope();
  try {
    const taskQueue = `bench-follow-${Date.now()}`;
    const stack = await benchStack(scope, config.dynamicConfig, taskQueue);
    const metricsPort = await freePort();
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const worker = await startBenchWorker(scope, REAL_WORKER_ENTRY, {
      ...stack.workerEnv(),
      WORKER_MAX_CACHED_WORKFLOWS: '1',
      MODELARTS_BUDGET_READS_RPS: String(ABOVE_LOAD_BUDGET.MODELARTS_BUDGET_READS_RPS),
      MODELARTS_BUDGET_WRITES_RPS: String(ABOVE_LOAD_BUDGET.MODELARTS_BUDGET_WRITES_RPS),
      WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    });
    const client = await benchClient(scope, stack.server);
    const rows: FollowRow[] = [];
    for (const follow of ['every second', 'aimed at reads'] as const) {
      const ds = stack.sim.createDataset({ dataset_name: `follow-${rows.length}` });
      stack.sim.setBehavior(ds.dataset_id, { durationMs: config.taskMs, progress: 'linear', totalSamples: 1000 });
      const before = {
        replays: await metric(metricsUrl, 'workflow_task_replay_latency', true),
        misses: await metric(metricsUrl, 'sticky_cache_miss', false),
        cpu: cpuMs(worker.pid) ?? 0,
      };
      const { workflowId } = await startRun(
        client,
        { steps: [{ kind: 'export', datasetId: ds.dataset_id, request: { path: '/bench/follow/' } }] },
        { taskQueue },
      );
      let queries = 0;
      log(`${follow}: following a ${config.taskMs / 60_000}-minute export`);
      if (follow === 'every second') await followEverySecond(client, workflowId, () => void queries++);
      else
        await followRun(
          client,
          workflowId,
          { update: () => undefined, done: () => undefined },
          {
            onQuery: () => void queries++,
          },
        );
      const outcome = await awaitRun(client, workflowId);
      rows.push({
        follow,
        taskMs: config.taskMs,
        statusReads: outcome.outcome === 'succeeded' ? (outcome.result.steps[0]?.statusReads ?? 0) : 0,
        progressQueries: queries,
        workerReplays: (await metric(metricsUrl, 'workflow_task_replay_latency', true)) - before.replays,
        stickyCacheMisses: (await metric(metricsUrl, 'sticky_cache_miss', false)) - before.misses,
        workerCpuMs: Math.round((cpuMs(worker.pid) ?? 0) - before.cpu),
        outcome: outcome.outcome,
      });
      log(JSON.stringify(rows.at(-1)));
    }
    const { dynamicConfig: _, ...rest } = config;
    return { measuredAt: new Date().toISOString(), config: rest, rows };
  } finally {
    await scope.close();
  }
}

export function formatFollow(r: FollowResult): string {
  return mdTable(
    [
      'follow',
      'export',
      'status reads',
      'progress queries',
      'worker CPU',
      'worker replays',
      'sticky cache misses',
      'outcome',
    ],
    r.rows.map((row) => [
      row.follow,
      `${row.taskMs / 60_000} min`,
      row.statusReads,
      row.progressQueries,
      row.workerCpuMs === undefined ? '' : `${(row.workerCpuMs / 1000).toFixed(1)} s`,
      row.workerReplays,
      row.stickyCacheMisses,
      row.outcome,
    ]),
  );
}
