/**
 * One trace per export, end to end on the suite's dev server: the CLI/library client opens the trace, an in-process
 * worker (the real activities and the production workflow bundle with the tracing interceptor) carries it through
 * the pipeline, two chained steps and a continue-as-new, down to one HTTP span per simulator request. Spans go to
 * the SDK's in-memory exporter (the Jaeger check is the stack test's).
 */
import path from 'node:path';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { temporal } from '@temporalio/proto';
import pino from 'pino';
import { connect } from '../../src/client/connect.js';
import { awaitRun, startRun } from '../../src/client/runs.js';
import { workerConfigFromEnv } from '../../src/config.js';
import { tracingConfigFromEnv } from '../../src/tracing/config.js';
import { startTracing, type Tracing } from '../../src/tracing/provider.js';
import { createWorker } from '../../src/worker.js';
import { createHarness, expectSucceeded, FAST_POLICY, type Harness } from '../support/harness.js';

const ON = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' };
const BUNDLE = { WORKFLOW_BUNDLE_PATH: path.resolve('dist', 'workflow-bundle.js') };

let h: Harness;
let tracing: Tracing;
const memory = new InMemorySpanExporter();

beforeAll(async () => {
  h = await createHarness();
  const config = tracingConfigFromEnv(ON)!;
  // Registered first, so the worker and the client of this process find it (one provider per process).
  tracing = startTracing(
    { ...config, batch: { maxQueueSize: 100_000, scheduledDelayMillis: 50 } },
    {
      warn: () => undefined,
    },
    { exporter: memory },
  );
});

afterAll(async () => {
  await tracing?.shutdown();
  await h?.close();
});

/** A worker of this process on the harness's queue; `traced` turns its OTEL_* configuration on. */
async function inProcessWorker(traced: boolean) {
  const config = workerConfigFromEnv({ ...h.workerEnv, ...BUNDLE, ...(traced ? ON : {}) });
  expect(config.tracing !== undefined).toBe(traced);
  const { worker, close } = await createWorker(config, pino({ level: 'silent' }));
  const running = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await running;
      await close();
    },
  };
}

const isHttp = (s: ReadableSpan) => s.instrumentationLibrary.name === 'modelarts-temporal/http';
const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

function chainSpec(source: string, name: string, maxReadsPerRun?: number) {
  return {
    steps: [
      {
        kind: 'export',
        datasetId: source,
        request: {
          path: `/bucket/${name}/input/`,
          export_type: 0,
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: name,
            export_new_dataset_work_path: `/bucket/${name}/new/`,
          },
        },
      },
      { kind: 'export', request: { path: `/bucket/${name}/coco/`, annotation_format: 'COCO', export_format: 1 } },
    ],
    wait: { policy: FAST_POLICY, deadline: '2m', ...(maxReadsPerRun && { maxReadsPerRun }) },
  };
}

it('traces a run of two chained steps and a continue-as-new as one trace, without orphans, and replays emit nothing', async () => {
  const source = h.sim.createDataset({ dataset_name: 'traced-source' });
  h.sim.setBehavior(source.dataset_id, { durationMs: 1500, progress: 'linear' });
  const worker = await inProcessWorker(true);
  const connected = await connect(
    {
      connectionOptions: { address: process.env.TEMPORAL_ADDRESS! },
      namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: h.taskQueue,
    },
    ON,
  );
  const requestsBefore = h.sim.counters().total.requests;
  let workflowId: string;
  try {
    ({ workflowId } = await startRun(connected.client, chainSpec(source.dataset_id, 'traced-new', 2), {
      taskQueue: h.taskQueue,
    }));
    expectSucceeded(await awaitRun(h.client, workflowId));
  } finally {
    await worker.stop();
    await connected.close();
  }
  await tracing.flush();
  const requests = h.sim.counters().total.requests - requestsBefore;
  const spans = memory.getFinishedSpans();

  // One trace, every parent present, one root: the client's start.
  expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  expect(ids.size).toBe(spans.length); // no span twice
  expect(spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual([]);
  expect(spans.filter((s) => !s.parentSpanId).map((s) => s.name)).toEqual(['StartWorkflow:exportPipeline']);

  // One HTTP span per request the simulator answered, named by route template (no ids).
  const http = spans.filter(isHttp);
  expect(http).toHaveLength(requests);
  for (const span of http) {
    expect(span.name).toMatch(/^(GET|POST) \/v2\/\{project_id\}\/datasets/);
    expect(span.name).not.toContain(source.dataset_id);
    expect(span.attributes['http.response.status_code']).toEqual(expect.any(Number));
    expect(span.attributes['modelarts.request_id']).toEqual(expect.any(String));
    expect(span.attributes['modelarts.attempt']).toEqual(expect.any(Number));
  }
  // Every HTTP span's parent is an activity's span, which says its attempt and budget queueing.
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  for (const span of http) {
    const activity = byId.get(span.parentSpanId!)!;
    expect(activity.name).toMatch(/^RunActivity:/);
    expect(activity.attributes['modelarts.budget_queued_ms']).toEqual(expect.any(Number));
  }

  // The pipeline's and the steps' spans, emitted at their end and back-dated to their first run's start.
  const runSpans = spans.filter((s) => s.name.startsWith('Workflow:'));
  expect(runSpans.map((s) => s.name).sort()).toEqual([
    'Workflow:exportPipeline',
    'Workflow:exportStep',
    'Workflow:exportStep',
  ]);
  const step1 = runSpans.find((s) => s.attributes.temporalWorkflowId === `${workflowId!}.step-1`)!;
  expect(step1.attributes['modelarts.runs']).toBeGreaterThan(1); // it continued-as-new, and stayed one span
  expect(step1.attributes['modelarts.task_kind']).toBe('export');
  expect(step1.attributes['modelarts.task_id']).toEqual(expect.any(String));
  for (const run of runSpans) {
    const children = spans.filter((s) => s.parentSpanId === run.spanContext().spanId);
    expect(children.length).toBeGreaterThan(0);
    expect(Math.min(...children.map((c) => ms(c.startTime)))).toBeGreaterThanOrEqual(ms(run.startTime));
  }
  // Waits are short spans: each planned sleep says its reason and delay.
  const sleeps = spans.filter((s) => s.name === 'Sleep');
  expect(sleeps.length).toBeGreaterThan(0);
  for (const s of sleeps) {
    expect(s.attributes['modelarts.sleep.reason']).toMatch(/status read|again|dataset/);
    expect(s.attributes['modelarts.sleep.delay_ms']).toEqual(expect.any(Number));
  }
  // Nothing but the back-dated run spans lasts long.
  const longest = Math.max(...spans.filter((s) => !runSpans.includes(s)).map((s) => ms(s.duration)));
  expect(longest).toBeLessThan(60_000);
  console.log(
    `tracing: ${spans.length} spans for one 2-step export (${http.length} HTTP = ${requests} simulator requests, ` +
      `${sleeps.length} sleeps); longest span other than the run spans ${longest.toFixed(0)} ms`,
  );

  // Queries of the finished runs on a fresh worker (nothing cached) replay them: no span is emitted again.
  const before = memory.getFinishedSpans().length;
  const fresh = await inProcessWorker(true);
  try {
    for (let i = 0; i < 20; i++) {
      const id = i % 3 === 0 ? workflowId! : `${workflowId!}.step-${i % 3}`;
      await h.client.workflow.getHandle(id).query('progress');
    }
  } finally {
    await fresh.stop();
  }
  await tracing.flush();
  expect(
    memory
      .getFinishedSpans()
      .slice(before)
      .map((s) => s.name),
  ).toEqual([]);
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * The events a run's commands made, by kind, leaving out what depends on timing: workflow tasks, and the wait loop's
 * timers and status reads (how many reads a wait takes depends on when they land).
 */
function commandEvents(events: HistoryEvent[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const event of events) {
    const kind = Object.keys(event).find((k) => k.endsWith('EventAttributes') && event[k as keyof HistoryEvent]);
    if (!kind || /^(workflowTask|timer)/.test(kind) || /^activityTask(Started|Completed|Failed|TimedOut)/.test(kind))
      continue;
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type === 'readStatus') continue;
    const key = type ? `${kind}:${type}` : kind;
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return tally;
}

it('adds no history event: a traced run has the same events as an untraced run of the same spec', async () => {
  const histories: Record<'traced' | 'untraced', { total: number; byWorkflow: Record<string, number>[] }> = {
    traced: { total: 0, byWorkflow: [] },
    untraced: { total: 0, byWorkflow: [] },
  };
  for (const mode of ['traced', 'untraced'] as const) {
    const source = h.sim.createDataset({ dataset_name: `history-${mode}` });
    h.sim.setBehavior(source.dataset_id, { durationMs: 300, progress: 'linear' });
    const worker = await inProcessWorker(mode === 'traced');
    const connected =
      mode === 'traced'
        ? await connect(
            {
              connectionOptions: { address: process.env.TEMPORAL_ADDRESS! },
              namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
              taskQueue: h.taskQueue,
            },
            ON,
          )
        : undefined;
    try {
      const { workflowId } = await startRun(
        connected?.client ?? h.client,
        chainSpec(source.dataset_id, `new-${mode}`),
        {
          taskQueue: h.taskQueue,
        },
      );
      expectSucceeded(await awaitRun(h.client, workflowId));
      for (const id of [workflowId, `${workflowId}.step-1`, `${workflowId}.step-2`]) {
        const events = (await h.client.workflow.getHandle(id).fetchHistory()).events ?? [];
        histories[mode].total += events.length;
        histories[mode].byWorkflow.push(commandEvents(events));
      }
    } finally {
      await worker.stop();
      await connected?.close();
    }
  }
  expect(histories.traced.byWorkflow).toEqual(histories.untraced.byWorkflow);
  console.log(
    `history events of a 2-step export: traced ${histories.traced.total}, untraced ${histories.untraced.total}`,
  );
});
