/**
 * Scenario 6 (`--upgrade`): a rollout and a rollback with waits in flight (Worker Deployment Versioning).
 * Exports wait on version A (a progress-aimed sleep of ten minutes each, as an hour-long export would have);
 * version B's workers start with a deliberately replay-incompatible step (chaos/upgrade-variant, test-only); B is
 * promoted and A drained (its pinned waits woken, so they continue-as-new onto B), A's workers stop; then A's
 * workers come back, the deployment rolls back to A and B drains the same way. Finally every run is told to read
 * quickly and awaited.
 *
 * Checks: every run succeeds; no worker logs a non-determinism error; one export task created per run; A drains and
 * the rollback takes effect (B drained) within 70 s each.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import {
  countPinned,
  describeDeployment,
  drainVersion,
  promote,
  rollback,
  type DrainResult,
} from '../client/deployment.js';
import { awaitRun, startRun, type RunOutcome } from '../client/runs.js';
import { startLocalStack } from '../local/stack.js';
import { pollUntil } from '../local/time.js';
import { startWorkerProcess, type WorkerProcess } from '../local/worker-process.js';
import { setPollPolicyUpdate } from '../workflows/definitions.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';
import { seconds } from './support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CREDENTIALS = { accessKey: 'CHAOSAKEXAMPLE0006', secretKey: 'chaos-secret-key-0006' };
const DEPLOYMENT = 'modelarts-chaos';
/** Every wait sleeps ten minutes between reads: only a wake moves it to new code within the scenario. */
const SLOW = { initialDelayMs: 600_000, minDelayMs: 600_000, maxDelayMs: 600_000, maxEtaDelayMs: 600_000 };
const FAST = { minDelayMs: 500, initialDelayMs: 500, maxDelayMs: 3000, maxEtaDelayMs: 3000 };
const NDE = /nondetermin|TMPRL1100/i;
/**
 * The write budget for the mass start (1,000 creates at the default 2/s would take 8 minutes). Reads keep the
 * default 10/s, so the first reads are still queued behind the budget when the rollout begins.
 */
const WRITES_RPS = 50;
const GOAL_MS = 70_000;

function describeDrain(d: DrainResult): string {
  const routing = d.routingPropagated ? 'routing propagated' : 'routing still "in progress" at the server';
  return `${d.woken} wakes, first at ${seconds(d.firstWakeMs ?? 0)}, ${routing}`;
}

/** Runs `fn` over `items`, `lanes` at a time. */
async function inLanes<T>(items: T[], lanes: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** The test-only variant's bundle (compiled into dist/chaos/upgrade-variant by `npm run chaos`), in a temp dir. */
async function variantBundle(ctx: ScenarioContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-chaos-upgrade-'));
  ctx.scope.defer('remove temp dir', () => rm(dir, { recursive: true, force: true }));
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(here, 'upgrade-variant', 'workflows.js'),
    logger: new DefaultLogger('WARN'),
  });
  const file = path.join(dir, 'workflow-bundle.js');
  await writeFile(file, code);
  return file;
}

async function runUpgrade(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { scope, log, note, quick } = ctx;
  const runsWanted = quick ? 60 : 1000;
  const taskQueue = 'chaos-upgrade';
  const stack = await startLocalStack({
    simulator: { seed: ctx.seed + 6 },
    credentials: CREDENTIALS,
    taskQueue,
  });
  scope.defer('stop the local stack', () => stack.close());
  const connection = await Connection.connect({ address: stack.server.address });
  scope.defer('close client', () => connection.close());
  const client = new Client({ connection, namespace: stack.server.namespace });

  const workers: WorkerProcess[] = [];
  scope.defer('stop workers', () => Promise.all(workers.map((w) => w.kill())).then(() => undefined));
  const startVersion = async (buildId: string, extra: Record<string, string> = {}) => {
    const worker = await startWorkerProcess(
      stack.workerEnv({
        MODELARTS_DEPLOYMENT_NAME: DEPLOYMENT,
        MODELARTS_BUILD_ID: buildId,
        MODELARTS_BUDGET_WRITES_RPS: WRITES_RPS,
        ...extra,
      }),
      { keepAll: true },
    );
    workers.push(worker);
    await pollUntil(
      async () =>
        (await describeDeployment(client, DEPLOYMENT).catch(() => undefined))?.versions.some(
          (v) => v.buildId === buildId,
        ) || undefined,
      { timeoutMs: 60_000, intervalMs: 250, signal: ctx.signal },
    );
    return worker;
  };
  const bundleB = await variantBundle(ctx);

  note('version A');
  const workerA = await startVersion('A');
  await promote(client, DEPLOYMENT, 'A');

  // Tasks run 7-9 minutes (a full run) so they are all in flight through both version changes.
  const durationMs = quick ? 150_000 : 480_000;
  const datasets = Array.from({ length: runsWanted }, (_, i) =>
    stack.sim.createDataset({
      dataset_name: `upgrade-${i}`,
      behavior: { durationMs: durationMs + (i % 60) * 1000, progress: 'linear' },
    }),
  );
  note(`starting ${runsWanted} runs on A`);
  const began = Date.now();
  const handles: { workflowId: string; datasetId: string }[] = [];
  await inLanes(datasets, 16, async (d) => {
    const { workflowId } = await startRun(
      client,
      {
        steps: [{ kind: 'export', datasetId: d.dataset_id, request: { path: `/bucket/upgrade/${d.dataset_id}/` } }],
        wait: { policy: SLOW },
      },
      { taskQueue, workflowId: `upgrade-${d.dataset_id}` },
    );
    handles.push({ workflowId, datasetId: d.dataset_id });
  });
  // Waiting means the export exists: a step whose create is still queued behind the write budget moves only once
  // the create is served (a create is never abandoned half-way, which could duplicate the task).
  const created = () => Object.values(stack.sim.counters().byDataset).reduce((n, c) => n + (c.exportCreates ?? 0), 0);
  await pollUntil(async () => (created() >= runsWanted ? true : undefined), {
    timeoutMs: 20 * 60_000,
    intervalMs: 1000,
    signal: ctx.signal,
  });
  log(`${runsWanted} exports created and waiting on A after ${seconds(Date.now() - began)}`);

  note('rollout to B');
  await startVersion('B', { WORKFLOW_BUNDLE_PATH: bundleB });
  await promote(client, DEPLOYMENT, 'B');
  const drainA = await drainVersion(client, DEPLOYMENT, 'A', {
    timeoutMs: 10 * 60_000,
    onProgress: (pinned, ms) => note(`draining A: ${pinned} pinned after ${seconds(ms)}`),
  });
  log(`A drained: ${drainA.drained} in ${seconds(drainA.elapsedMs)} (${describeDrain(drainA)})`);
  const pinnedB = await countPinned(client, DEPLOYMENT, 'B');
  await workerA.stop();

  note('rollback to A');
  await startVersion('A');
  await rollback(client, DEPLOYMENT);
  const drainB = await drainVersion(client, DEPLOYMENT, 'B', {
    timeoutMs: 10 * 60_000,
    onProgress: (pinned, ms) => note(`draining B: ${pinned} pinned after ${seconds(ms)}`),
  });
  log(`B drained: ${drainB.drained} in ${seconds(drainB.elapsedMs)} (${describeDrain(drainB)})`);

  note('finishing');
  await inLanes(handles, 16, async ({ workflowId }) => {
    await client.workflow.getHandle(workflowId).executeUpdate(setPollPolicyUpdate, { args: [FAST] });
  });
  const outcomes: RunOutcome[] = [];
  await inLanes(handles, 64, async ({ workflowId }) => {
    outcomes.push(await awaitRun(client, workflowId));
  });
  const succeeded = outcomes.filter((o) => o.outcome === 'succeeded').length;
  const counters = stack.sim.counters();
  const duplicates = handles.reduce(
    (n, { datasetId }) => n + Math.max(0, (counters.byDataset[datasetId]?.exportCreates ?? 0) - 1),
    0,
  );
  const missing = handles.filter(({ datasetId }) => (counters.byDataset[datasetId]?.exportCreates ?? 0) === 0).length;
  const ndes = workers.reduce(
    (n, w) =>
      n +
      w
        .output()
        .split('\n')
        .filter((line) => NDE.test(line)).length,
    0,
  );

  const ok =
    succeeded === runsWanted &&
    ndes === 0 &&
    duplicates === 0 &&
    missing === 0 &&
    drainA.drained &&
    drainB.drained &&
    drainA.elapsedMs <= GOAL_MS &&
    drainB.elapsedMs <= GOAL_MS;
  const failures = outcomes.filter((o) => o.outcome !== 'succeeded').slice(0, 5);
  return {
    ok,
    summary:
      `${ok ? 'PASS' : 'FAIL'} ${succeeded}/${runsWanted} runs succeeded, ${ndes} non-determinism errors, ` +
      `${duplicates} duplicate creates (${missing} runs without one), A drained in ${(drainA.elapsedMs / 1000).toFixed(1)} s ` +
      `(${pinnedB} counted on B at that moment), rollback took effect in ${(drainB.elapsedMs / 1000).toFixed(1)} s (B drained); ` +
      `goals ${runsWanted}/${runsWanted}, 0, 0, <= 70 s, <= 70 s`,
    details: failures.map((o) => `    ${o.outcome}: ${'message' in o ? o.message : ''}`),
  };
}

export const upgradeScenario: Scenario = {
  id: '6',
  name: 'rollout and rollback with waits in flight',
  timeoutMs: (quick) => (quick ? 15 : 45) * 60_000,
  run: runUpgrade,
};
