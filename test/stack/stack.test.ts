/**
 * The production topology on this machine (`modelarts-export stack`): PostgreSQL, the schema and namespace jobs,
 * the Temporal server and UI built from the versions docker-compose.yml pins, the simulator and 3 workers. Exports
 * wait through a worker SIGKILL, a Temporal server restart and a PostgreSQL restart; every run must succeed with
 * exactly one create. While more exports run, Prometheus must scrape every target, have data for every panel of the
 * fleet dashboard and have loaded the alert rules. Then the stack's Web UI is checked in headless Chromium. Run with
 * `npm run test:stack`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parse } from 'yaml';
import type { Page } from 'playwright-core';
import { awaitRun, startRun } from '../../src/client/runs.js';
import { DEFAULT_TASK_QUEUE } from '../../src/config.js';
import { SimulatorAdmin } from '../../src/simulator/admin-client.js';
import { dashboardQueries } from '../../src/stack/dashboard.js';
import { NativeStack, TRACE_SERVICE_NAME } from '../../src/stack/stack.js';
import { eventually, FAST_POLICY } from '../support/harness.js';
import { launchUiBrowser, type UiBrowser } from '../support/ui-browser.js';

const RUNS = 24;
const UI_TIMEOUT = 20_000;
const dataset = (i: number) => `stackDataset${String(i).padStart(7, '0')}`;
const runId = (i: number) => `stack-run-${String(i).padStart(3, '0')}`;
const log = (message: string) => console.error(`[stack] ${message}`);

let dir: string;
let stack: NativeStack;
let connection: Connection;
let client: Client;
let sim: SimulatorAdmin;
const figures: Record<string, string | number> = {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'stack-test-'));
  const started = Date.now();
  // Ports far from the default stack's (7400) and the dev server's, so a developer's running stack is untouched.
  stack = await NativeStack.up({ dir, basePort: 27400, workers: 3, log });
  figures.upSeconds = (Date.now() - started) / 1000;
  connection = await Connection.connect({ address: stack.address });
  client = new Client({ connection, namespace: stack.namespace });
  sim = new SimulatorAdmin(stack.simulatorUrl);
}, 15 * 60_000);

afterAll(async () => {
  console.error(`[stack] figures ${JSON.stringify(figures)}`);
  await connection?.close();
  await stack?.down();
  rmSync(dir, { recursive: true, force: true });
});

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = Date.now();
  await fn();
  return Date.now() - started;
}

/** Prometheus' HTTP API of the stack. */
async function prom<T>(api: string, params: Record<string, string> = {}): Promise<T> {
  const url = `${stack.prometheusUrl}/api/v1/${api}?${new URLSearchParams(params)}`;
  const body = (await (await fetch(url)).json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${url}: ${body.error}`);
  return body.data;
}

describe('the native production stack', () => {
  it(
    'runs exports across 3 workers through a worker SIGKILL, a server restart and a PostgreSQL restart, one create each',
    async () => {
      // Tasks of 15–27 s, so every wait is in flight during all three faults.
      for (let i = 1; i <= RUNS; i++) {
        await sim.createDataset({
          dataset_id: dataset(i),
          dataset_name: `stack-${i}`,
          behavior: { durationMs: 15_000 + (i % 7) * 2000, progress: 'linear' },
        });
      }
      const started = Date.now();
      await Promise.all(
        Array.from({ length: RUNS }, (_, k) =>
          startRun(
            client,
            {
              steps: [{ kind: 'export', datasetId: dataset(k + 1), request: { path: `/stack-bucket/run-${k + 1}/` } }],
              wait: { policy: FAST_POLICY, deadline: '10m' },
            },
            { taskQueue: DEFAULT_TASK_QUEUE, workflowId: runId(k + 1) },
          ),
        ),
      );
      figures.startAllSeconds = (Date.now() - started) / 1000;

      // Matching spreads the runs over the 3 workers; the kill comes once each of them holds some.
      const servedRuns = () => stack.workerLogs().filter((file) => readFileSync(file, 'utf8').includes('stack-run-'));
      await eventually(() => servedRuns().length === 3 || undefined, 30_000);
      const [victim] = stack.state.pids.workers;
      await stack.killWorker(victim!);
      await stack.startWorker();
      await new Promise((r) => setTimeout(r, 3000));
      figures.serverRestartMs = await timed(() => stack.restartServer());
      await new Promise((r) => setTimeout(r, 3000));
      figures.postgresRestartMs = await timed(() => stack.postgres.restart());

      const outcomes = await Promise.all(Array.from({ length: RUNS }, (_, k) => awaitRun(client, runId(k + 1))));
      figures.allDoneSeconds = (Date.now() - started) / 1000;
      expect(outcomes.map((o) => o.outcome)).toEqual(Array(RUNS).fill('succeeded'));

      const counters = await sim.counters();
      const creates = Array.from({ length: RUNS }, (_, k) => counters.byDataset[dataset(k + 1)]?.exportCreates);
      expect(creates).toEqual(Array(RUNS).fill(1));
      figures.statusReads = counters.total.exportStatusReads;

      figures.workersThatServed = servedRuns().length;
    },
    10 * 60_000,
  );

  it('runs Prometheus with exactly the alert rules of deploy/prometheus/rules, all evaluating without error', async () => {
    const rulesDir = path.join('deploy', 'prometheus', 'rules');
    const expected = readdirSync(rulesDir)
      .filter((f) => f.endsWith('.yml'))
      .flatMap(
        (f) =>
          (parse(readFileSync(path.join(rulesDir, f), 'utf8')) as { groups: { rules: { alert?: string }[] }[] }).groups,
      )
      .flatMap((g) => g.rules.map((r) => r.alert))
      .filter(Boolean)
      .sort();
    const loaded = await prom<{ groups: { rules: { name: string; type: string; health: string }[] }[] }>('rules');
    const alerting = loaded.groups.flatMap((g) => g.rules).filter((r) => r.type === 'alerting');
    expect(alerting.map((r) => r.name).sort()).toEqual(expected);
    expect(alerting.filter((r) => r.health === 'err')).toEqual([]);
  });

  it("has every live worker publish its start time (the restart-loop alert's input)", async () => {
    const expected = Object.values(stack.state.workerMetrics ?? {})
      .map((port) => `127.0.0.1:${port}`)
      .sort();
    expect(expected).toHaveLength(stack.state.pids.workers.length);
    // A worker started moments ago is in the next scrape (every 10 s).
    let published: string[] = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 2000))) {
      const { result } = await prom<{ result: { metric: { instance: string } }[] }>('query', {
        query: 'modelarts_worker_start_time_seconds',
      });
      published = result.map((r) => r.metric.instance).sort();
      if (JSON.stringify(published) === JSON.stringify(expected)) break;
    }
    expect(published).toEqual(expected);
  });

  it(
    "while exports run: every Prometheus target is up and every dashboard panel's query returns data",
    async () => {
      // Seam for the Jaeger span checks: the workers send spans to stack.otlpEndpoint as TRACE_SERVICE_NAME, and
      // Jaeger's query API is at stack.jaegerUrl (`/api/traces?service=...`).
      figures.jaegerUrl = stack.jaegerUrl;
      figures.prometheusUrl = stack.prometheusUrl;
      figures.traceService = TRACE_SERVICE_NAME;

      // Exports of 40-50 s (long enough to be running throughout), some reads throttled (the 429 panel), and a
      // workflow type no worker registers, whose tasks fail (the workflow-task-failures panel) until terminated.
      const runs = Array.from({ length: 6 }, (_, k) => ({ id: `prom-run-${k + 1}`, dataset: dataset(100 + k) }));
      for (const [k, r] of runs.entries()) {
        await sim.createDataset({
          dataset_id: r.dataset,
          dataset_name: `prom-${k}`,
          behavior: { durationMs: 40_000 + k * 2000, progress: 'linear' },
        });
      }
      await sim.setFaults({ throttleRate: 0.3, retryAfterSeconds: 1, onlyPaths: 'status' });
      for (const r of runs) {
        await startRun(
          client,
          {
            steps: [{ kind: 'export', datasetId: r.dataset, request: { path: `/stack-bucket/${r.id}/` } }],
            wait: { policy: FAST_POLICY, deadline: '10m' },
          },
          { taskQueue: DEFAULT_TASK_QUEUE, workflowId: r.id },
        );
      }
      const broken = await client.workflow.start('noSuchWorkflowType', {
        taskQueue: DEFAULT_TASK_QUEUE,
        workflowId: 'prom-unregistered-type',
      });

      type Target = { labels: { job: string }; scrapeUrl: string; health: string; lastError: string };
      const queries = dashboardQueries();
      let problems: string[] = [];
      const started = Date.now();
      for (;;) {
        const { activeTargets } = await prom<{ activeTargets: Target[] }>('targets');
        const down = activeTargets
          .filter((t) => t.health !== 'up')
          .map((t) => `target ${t.labels.job} ${t.scrapeUrl}: ${t.health} ${t.lastError}`);
        const jobs = new Set(activeTargets.map((t) => t.labels.job));
        const missingJobs = ['modelarts-worker', 'temporal-server', 'jaeger', 'modelarts-exporter']
          .filter((job) => !jobs.has(job))
          .map((job) => `no ${job} target`);
        const noData: string[] = [];
        for (const q of queries) {
          const { result } = await prom<{ result: unknown[] }>('query', { query: q.expr });
          if (result.length === 0) noData.push(`panel "${q.panel}" (${q.refId}): no data for ${q.expr}`);
        }
        problems = [...down, ...missingJobs, ...noData];
        if (problems.length === 0 || Date.now() - started > 150_000) break;
        await new Promise((r) => setTimeout(r, 5000));
      }
      figures.dashboardPanelsWithData = `${queries.length - problems.filter((p) => p.startsWith('panel')).length}/${queries.length}`;
      figures.secondsUntilAllPanelsHadData = (Date.now() - started) / 1000;
      await broken.terminate('stack test: the failing workflow task has been seen');
      await sim.setFaults({});
      expect(problems).toEqual([]);

      const outcomes = await Promise.all(runs.map((r) => awaitRun(client, r.id)));
      expect(outcomes.map((o) => o.outcome)).toEqual(runs.map(() => 'succeeded'));
    },
    6 * 60_000,
  );

  describe('its Web UI, in headless Chromium', () => {
    let browser: UiBrowser;
    let page: Page;

    beforeAll(async () => {
      browser = await launchUiBrowser(new URL(stack.uiUrl).origin);
      page = await browser.context.newPage();
    });
    afterAll(async () => browser?.close());

    it('lists the runs of one dataset by ModelArtsDatasetId and opens a run page', async () => {
      const query = `ModelArtsDatasetId="${dataset(1)}"`;
      await page.goto(`${stack.uiUrl}/namespaces/${stack.namespace}/workflows?query=${encodeURIComponent(query)}`);
      await page.getByText(`ModelArtsDatasetId = "${dataset(1)}"`).waitFor({ timeout: UI_TIMEOUT });
      const link = (id: string) => page.getByRole('link', { name: id, exact: true });
      await link(runId(1)).waitFor({ timeout: UI_TIMEOUT });
      await link(`${runId(1)}.step-1`).waitFor({ timeout: UI_TIMEOUT });
      expect(await link(runId(2)).count()).toBe(0);

      await link(runId(1)).click();
      await page
        .getByRole('heading', { level: 1 })
        .getByText(runId(1), { exact: true })
        .waitFor({ timeout: UI_TIMEOUT });
      await page.getByRole('status').getByText('Completed', { exact: true }).first().waitFor({ timeout: UI_TIMEOUT });
    });
  });
});
