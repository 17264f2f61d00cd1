/**
 * Upgrades with waits in flight (Worker Deployment Versioning): runs waiting on version A; version B with a
 * deliberately replay-incompatible step (the test-only variant in chaos/upgrade-variant) is promoted; a wake moves
 * A's pinned waits to B by continue-as-new, so A drains and its workers stop; then a rollback to A with the waits
 * on B. Every run succeeds, with one create each and no non-determinism error anywhere.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { run } from '../../src/cli/main.js';
import { countPinned, describeDeployment, promote } from '../../src/client/deployment.js';
import { awaitRun, startRun } from '../../src/client/runs.js';
import { pauseBudget, resumeBudget, type BudgetTarget } from '../../src/client/budget.js';
import { pollPolicySignal, setPollPolicyUpdate } from '../../src/workflows/definitions.js';
import type { WorkerProcess } from '../../src/local/worker-process.js';
import { createHarness, eventually, expectSucceeded, FAST_POLICY, type Harness } from '../support/harness.js';

let h: Harness;
let variantBundle: string;
beforeAll(async () => {
  h = await createHarness();
  // The variant is built for this test only (it is never in the product bundle).
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'chaos/upgrade-variant/tsconfig.json']);
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve('dist/chaos/upgrade-variant/workflows.js'),
    logger: new DefaultLogger('WARN'),
  });
  variantBundle = path.join(mkdtempSync(path.join(tmpdir(), 'upgrade-variant-')), 'workflow-bundle.js');
  writeFileSync(variantBundle, code);
});
afterAll(() => h?.close());

// Reads ten minutes apart: without a wake, no wait would reach new code within the test.
const SLOW = { initialDelayMs: 600_000, minDelayMs: 600_000, maxDelayMs: 600_000, maxEtaDelayMs: 600_000 };

const NDE = /nondetermin|TMPRL1100/i;

/** A step's runs, oldest first. */
async function stepRuns(workflowId: string) {
  const listed = [];
  for await (const e of h.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) listed.push(e);
  return listed.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

it('moves waits from A to an incompatible B and back, with no lost, duplicated or non-deterministic run', async () => {
  const deployment = `upgrade-${randomUUID().slice(0, 8)}`;
  const versioned = (buildId: string, extra: Record<string, string> = {}) =>
    h.startWorker({ MODELARTS_DEPLOYMENT_NAME: deployment, MODELARTS_BUILD_ID: buildId, ...extra });
  const known = (buildId: string) =>
    eventually(
      async () =>
        (await describeDeployment(h.client, deployment).catch(() => undefined))?.versions.some(
          (v) => v.buildId === buildId,
        ) || undefined,
    );
  const workers: WorkerProcess[] = [];
  // The `deploy` commands as an operator runs them (in-process), against the suite's server.
  const deployCli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await run(['deploy', ...argv, '--deployment', deployment, '--json'], {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: { TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE },
    });
    if (code !== 0) throw new Error(`deploy ${argv.join(' ')} exited ${code}: ${stderr}`);
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  workers.push(await versioned('a'));
  await known('a');
  await promote(h.client, deployment, 'a');

  const datasets = Array.from({ length: 3 }, (_, i) => h.sim.createDataset({ dataset_name: `upgrade-${i}` }));
  for (const d of datasets) h.sim.setBehavior(d.dataset_id, { durationMs: 45_000, progress: 'linear' });
  const runs = await Promise.all(
    datasets.map((d) =>
      startRun(
        h.client,
        {
          steps: [{ kind: 'export', datasetId: d.dataset_id, request: { path: '/bucket/upgrade/' } }],
          wait: { policy: SLOW },
        },
        { taskQueue: h.taskQueue },
      ),
    ),
  );
  // Each step has created its task and sleeps on A.
  await eventually(async () => ((await countPinned(h.client, deployment, 'a')) === 3 ? true : undefined));

  // Reads stop being served (the budget's kill switch), and every wait is woken by a policy change: each now has
  // a status read queued behind the budget, as waits do when the budget is saturated.
  const budget: BudgetTarget = {
    connection: h.client.connection,
    namespace: h.client.options.namespace,
    taskQueue: h.taskQueue,
  };
  await pauseBudget(budget, 'reads');
  for (const r of runs) await h.client.workflow.getHandle(`${r.workflowId}.step-1`).signal(pollPolicySignal, {});
  await eventually(async () => {
    const pending = await Promise.all(
      runs.map(
        async (r) =>
          (await h.client.workflow.getHandle(`${r.workflowId}.step-1`).describe()).raw.pendingActivities?.length ?? 0,
      ),
    );
    return pending.every((n) => n === 1) || undefined;
  });

  // B (incompatible steps) becomes current; A's waits stay on A until the drain moves them.
  workers.push(await versioned('b', { WORKFLOW_BUNDLE_PATH: variantBundle }));
  await known('b');
  expect(await promote(h.client, deployment)).toEqual({ deploymentName: deployment, from: 'a', to: 'b' });
  expect(await countPinned(h.client, deployment, 'a')).toBe(3);
  const drainA = await deployCli('drain', 'a', '--timeout', '90');
  expect(drainA).toMatchObject({ drained: true, pinned: 0 });
  expect(drainA.woken).toBeGreaterThanOrEqual(3);
  await eventually(async () => ((await countPinned(h.client, deployment, 'b')) === 3 ? true : undefined), 60_000);
  await workers[0]!.stop(); // A has drained
  // The drain's signal moved each wait at once: the queued read was given up, never served on A.
  for (const r of runs) {
    const [onA] = await stepRuns(`${r.workflowId}.step-1`);
    const events = (await h.client.workflow.getHandle(onA!.workflowId, onA!.runId).fetchHistory()).events ?? [];
    const signalled = events.findIndex(
      (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'moveToCurrentVersion',
    );
    expect(signalled).toBeGreaterThan(0);
    expect(events.slice(signalled).some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
    // Whether a first read ran on A before the budget was paused is a race: assert what the drain promises instead
    // of a count of events. One create, and the read queued when the signal came was never started on A.
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes);
    const named = (name: string) =>
      scheduled.filter((e) => e.activityTaskScheduledEventAttributes!.activityType?.name === name);
    expect(named('createOrReattachExport')).toHaveLength(1);
    const started = new Set(
      events.map((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '')).filter(Boolean),
    );
    const queuedRead = named('readStatus').at(-1);
    expect(queuedRead).toBeDefined();
    expect(started.has(String(queuedRead!.eventId))).toBe(false);
    expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  }

  // Roll back to A with the waits on B: A's workers come back, B's stay until B has drained.
  workers.push(await versioned('a'));
  expect(await deployCli('rollback', '--drain', '--timeout', '90')).toMatchObject({
    deploymentName: deployment,
    from: 'b',
    to: 'a',
    drain: { drained: true, pinned: 0 },
  });
  await eventually(async () => ((await countPinned(h.client, deployment, 'a')) === 3 ? true : undefined), 60_000);
  await workers[1]!.stop(); // B has drained

  // Reads are served again, fast from here, so the runs end soon after their tasks.
  await resumeBudget(budget, 'reads');
  for (const r of runs) await r.handle.executeUpdate(setPollPolicyUpdate, { args: [FAST_POLICY] });
  const outcomes = await Promise.all(runs.map((r) => awaitRun(h.client, r.workflowId)));
  for (const o of outcomes) expectSucceeded(o);
  const counters = h.sim.counters();
  for (const d of datasets) expect(counters.byDataset[d.dataset_id]?.exportCreates).toBe(1);
  for (const w of workers) expect(w.output()).not.toMatch(NDE);
}, 300_000);

it('uses a variant that really is replay-incompatible: a product step history fails on it, the pipeline does not', async () => {
  const replay = (file: string) =>
    Worker.runReplayHistory(
      { workflowBundle: { codePath: variantBundle } },
      JSON.parse(readFileSync(path.join('test', 'histories', file), 'utf8')),
      file.replace(/\.json$/, ''), // the workflow id the history was recorded under
    );
  await expect(replay('history-export.step-1.json')).rejects.toThrow(/nondetermin/i);
  await expect(replay('history-export.json')).resolves.toBeUndefined();
});
