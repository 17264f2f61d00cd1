/**
 * The production topology on this machine (`modelarts-export stack`): PostgreSQL, the schema and namespace jobs,
 * the Temporal server and UI built from the versions docker-compose.yml pins, the simulator and 3 workers. Exports
 * wait through a worker SIGKILL, a Temporal server restart and a PostgreSQL restart; every run must succeed with
 * exactly one create. While more exports run, Prometheus must scrape every target, have data for every panel of the
 * fleet dashboard and have loaded the alert rules. Then the stack's Web UI is checked in headless Chromium. Run with
 * `npm run test:stack`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parse } from 'yaml';
import type { Page } from 'playwright-core';
import { pauseBudget, resumeBudget } from '../../src/client/budget.js';
import { awaitRun, startRun } from '../../src/client/runs.js';
import { DEFAULT_TASK_QUEUE } from '../../src/config.js';
import { SimulatorAdmin } from '../../src/simulator/admin-client.js';
import { dashboardQueries } from '../../src/stack/dashboard.js';
import { NativeStack, TRACE_SERVICE_NAME } from '../../src/stack/stack.js';
import { NextReadAtKey } from '../../src/workflows/search-attributes.js';
import { eventually, FAST_POLICY } from '../support/harness.js';
import { launchUiBrowser, type UiBrowser } from '../support/ui-browser.js';

const RUNS = 24;
const UI_TIMEOUT = 20_000;
/** Screenshots go to test/artifacts/; `UPDATE_SCREENSHOTS=1` writes them to docs/ instead. */
const SCREENSHOT_DIR = path.resolve(process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : 'test/artifacts');
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

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  /** Microseconds since the epoch. */
  startTime: number;
  references: { refType: string; spanID: string }[];
  /** Microseconds. */
  duration: number;
  tags: { key: string; value: unknown }[];
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
}

/** The traces in Jaeger holding a span of workflow `workflowId` (the run's own spans carry its id). */
async function tracesOf(workflowId: string): Promise<JaegerTrace[]> {
  const params = new URLSearchParams({
    service: TRACE_SERVICE_NAME,
    tags: JSON.stringify({ temporalWorkflowId: workflowId }),
    // Microseconds: the last two hours.
    start: String((Date.now() - 2 * 3600_000) * 1000),
    end: String((Date.now() + 60_000) * 1000),
    limit: '100',
  });
  const response = await fetch(`${stack.jaegerUrl}/api/traces?${params}`);
  if (!response.ok) throw new Error(`Jaeger answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { data: JaegerTrace[] | null }).data ?? [];
}

const tag = (span: JaegerSpan, key: string) => span.tags.find((t) => t.key === key)?.value;
/** The ModelArts requests' client spans (src/modelarts/http-span.ts). */
const httpSpans = (trace: JaegerTrace) => trace.spans.filter((span) => tag(span, 'url.template') !== undefined);
const parentOf = (span: JaegerSpan) => span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
const hasSpan = (trace: JaegerTrace, name: string) => trace.spans.some((span) => span.operationName === name);

/** A trace as an indented tree: start offset, duration, name and the span's telling attributes. */
function renderTrace(trace: JaegerTrace): string {
  const byParent = new Map<string, JaegerSpan[]>();
  const ids = new Set(trace.spans.map((s) => s.spanID));
  for (const span of trace.spans) {
    const parent = span.references.find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID))?.spanID ?? '';
    byParent.set(parent, [...(byParent.get(parent) ?? []), span]);
  }
  const t0 = Math.min(...trace.spans.map((s) => s.startTime));
  const shown = [
    'modelarts.sleep.reason',
    'http.response.status_code',
    'modelarts.attempt',
    'modelarts.budget_queued_ms',
    'modelarts.outcome',
  ];
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const span of (byParent.get(parent) ?? []).sort((a, b) => a.startTime - b.startTime)) {
      const at = `+${((span.startTime - t0) / 1e6).toFixed(3)} s`.padStart(10);
      const took = `${(span.duration / 1000).toFixed(1)} ms`.padStart(12);
      const attrs = shown.flatMap((k) => (tag(span, k) !== undefined ? [`${k}=${String(tag(span, k))}`] : []));
      lines.push(
        `${at} ${took}  ${'  '.repeat(depth)}${span.operationName}${attrs.length ? `  (${attrs.join(', ')})` : ''}`,
      );
      walk(span.spanID, depth + 1);
    }
  };
  walk('', 0);
  return `${lines.join('\n')}\n`;
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

      // Matching spreads the runs over the 3 workers; the kill comes once each of them holds some. Nothing can flush
      // a SIGKILLed process's unsent spans (the batch leaves every OTEL_BSP_SCHEDULE_DELAY, 5 s): the budget's kill
      // switch holds ModelArts calls for 8 s first, so every request made has left as a span when the worker dies.
      const servedRuns = () => stack.workerLogs().filter((file) => readFileSync(file, 'utf8').includes('stack-run-'));
      await eventually(() => servedRuns().length === 3 || undefined, 30_000);
      const budget = { connection, namespace: stack.namespace, taskQueue: DEFAULT_TASK_QUEUE };
      await pauseBudget(budget, 'all');
      await new Promise((r) => setTimeout(r, 8000));
      const [victim] = stack.state.pids.workers;
      await stack.killWorker(victim!);
      await resumeBudget(budget, 'all');
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

      // Tracing, through Jaeger's query API: each run is one trace holding every ModelArts request of its dataset
      // (the simulator's request log, by X-Request-Id) as exactly one span, no orphan, no duplicate, and no span
      // open for more than 60 s but the run spans, which are emitted at their end and back-dated.
      const requests = await sim.requests();
      // Spans leave the workers in batches (every 5 s): read until every run's trace is whole, or for 60 s.
      const whole = (t: JaegerTrace[], k: number) =>
        t.length === 1 &&
        hasSpan(t[0]!, 'Workflow:exportPipeline') &&
        httpSpans(t[0]!).length >= requests.filter((r) => r.datasetId === dataset(k + 1)).length;
      let traces: JaegerTrace[][] = [];
      for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 2000))) {
        traces = await Promise.all(Array.from({ length: RUNS }, (_, k) => tracesOf(runId(k + 1))));
        if (traces.every(whole) || Date.now() > deadline) break;
      }
      expect(traces.map((t) => t.length)).toEqual(Array(RUNS).fill(1));
      let spans = 0;
      let reemitted = 0;
      let longestMs = 0;
      for (let k = 0; k < RUNS; k++) {
        const trace = traces[k]![0]!;
        const logged = requests.filter((r) => r.datasetId === dataset(k + 1)).map((r) => r.requestId);
        const traced = httpSpans(trace).map((span) => tag(span, 'modelarts.request_id'));
        expect({ run: runId(k + 1), requests: [...traced].sort() }).toEqual({
          run: runId(k + 1),
          requests: [...logged].sort(),
        });
        const ids = trace.spans.map((span) => span.spanID);
        // No two different spans share an id. The one way a span comes twice: a workflow task whose completion the
        // server lost (in its restart) runs again and re-emits the same workflow span, same id and parent.
        for (const [id, copies] of groupBy(trace.spans, (span) => span.spanID)) {
          if (copies.length === 1) continue;
          const what = copies.map((c) => `${c.operationName} under ${parentOf(c) ?? 'none'}`);
          expect({ id, what }).toEqual({ id, what: Array(copies.length).fill(what[0]) });
          expect(copies[0]!.operationName).toMatch(/^(Workflow:|Sleep$)/);
          reemitted += copies.length - 1;
        }
        const orphans = trace.spans.filter((span) =>
          span.references.some((ref) => ref.refType === 'CHILD_OF' && !ids.includes(ref.spanID)),
        );
        expect(orphans.map((span) => span.operationName)).toEqual([]);
        for (const span of trace.spans) {
          if (!span.operationName.startsWith('Workflow:')) longestMs = Math.max(longestMs, span.duration / 1000);
        }
        spans += trace.spans.length;
      }
      expect(longestMs).toBeLessThan(60_000);
      figures.spansPerRun = +(spans / RUNS).toFixed(1);
      figures.workflowSpansReemitted = reemitted;
      figures.longestOpenSpanMs = Math.round(longestMs);
      figures.requestsTraced = requests.filter((r) => r.datasetId?.startsWith('stackDataset')).length;
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

  it(
    'pages a stuck wait through Prometheus within two minutes of its missed read (reads budget paused)',
    async () => {
      await sim.createDataset({
        dataset_id: dataset(200),
        dataset_name: 'stuck',
        behavior: { durationMs: 10 * 60_000, progress: 'linear' },
      });
      const id = 'stuck-run';
      await startRun(
        client,
        {
          steps: [{ kind: 'export', datasetId: dataset(200), request: { path: '/stack-bucket/stuck/' } }],
          wait: { policy: FAST_POLICY, deadline: '15m' },
        },
        { taskQueue: DEFAULT_TASK_QUEUE, workflowId: id },
      );
      const step = client.workflow.getHandle(`${id}.step-1`);
      // (Undefined until the step has started and planned its first read.)
      const planned = async () =>
        (await step.describe().catch(() => undefined))?.typedSearchAttributes.get(NextReadAtKey);
      await eventually(planned, 60_000);
      const budget = { connection, namespace: stack.namespace, taskQueue: DEFAULT_TASK_QUEUE };
      await pauseBudget(budget, 'reads');
      try {
        type Alert = { labels: Record<string, string>; state: string };
        const firing = async () => {
          const { alerts } = await prom<{ alerts: Alert[] }>('alerts');
          return alerts.find((a) => a.labels.alertname === 'ModelArtsWaitOverdue' && a.state === 'firing');
        };
        let alert: Alert | undefined;
        for (const deadline = Date.now() + 240_000; !alert && Date.now() < deadline;) {
          alert = await firing();
          if (!alert) await new Promise((r) => setTimeout(r, 2000));
        }
        const pagedAt = Date.now();
        // The plan has not moved since the read was missed: it names when that read was due.
        const dueAt = (await planned())!.getTime();
        figures.pagedSecondsAfterMissedRead = (pagedAt - dueAt) / 1000;
        expect(alert?.labels).toMatchObject({ reason: 'budget-paused', tenant: 'default' });
        // 60 s floor + exporter scan, scrape, evaluation and `for` (deploy/prometheus/rules/modelarts.yml), plus
        // this test's 2 s between looks.
        expect(pagedAt - dueAt).toBeLessThanOrEqual(122_000);
      } finally {
        await resumeBudget(budget, 'reads');
        await client.workflow.getHandle(id).terminate('stack test: the page has been seen');
      }
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

  describe('its trace and its metrics, for docs/tracing.md and docs/alerts.md', () => {
    const shoot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, name) });

    // Jaeger built from the Go module proxy carries no UI (its binary serves a placeholder page; the UI is a separate
    // JavaScript build, in the jaegertracing/jaeger image compose uses): the docs show the trace as the query API
    // gives it, one line per span.
    it("renders one export's trace from Jaeger's query API", async () => {
      const [trace] = await tracesOf(runId(1));
      const text = renderTrace(trace!);
      expect(text).toContain('Workflow:exportPipeline');
      expect(text).toContain('GET /v2/{project_id}/datasets/{dataset_id}/export-tasks/{task_id}');
      writeFileSync(path.join(SCREENSHOT_DIR, 'jaeger-trace.txt'), text);
    });

    it("graphs the fleet's ModelArts requests in Prometheus' UI", async () => {
      const browser = await launchUiBrowser(new URL(stack.prometheusUrl).origin);
      try {
        const page = await browser.context.newPage();
        const expr = 'sum by (api) (rate(modelarts_requests[1m]))';
        const params = new URLSearchParams({ 'g0.expr': expr, 'g0.tab': '0', 'g0.range_input': '15m' });
        // Debian's Prometheus serves the classic UI.
        await page.goto(`${stack.prometheusUrl}/classic/graph?${params}`);
        await page.locator('.rickshaw_legend').getByText('readStatus').first().waitFor({ timeout: UI_TIMEOUT });
        await shoot(page, 'prometheus-requests.png');
      } finally {
        await browser.close();
      }
    });
  });
});
