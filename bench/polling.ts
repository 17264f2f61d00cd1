/**
 * Part 1, status reads per export and detection delay.
 *
 * Replay: the pure policy against progress curves in virtual time (bench/polling-replay.ts, src/polling/replay.ts),
 * ours against a fixed 30 s interval and exponential 1 s × 1.25 capped at 60 s, worst and mean over seeds.
 *
 * Live confirmation: the same policy end to end (client → dev server → the real worker process → simulator over
 * HTTP), time-scaled: every time constant of the policy and the task's duration are divided by one factor per
 * task length (live tasks of 30 s to 2 min). The live reads and detection delays are compared with a replay of
 * exactly that scaled setup (same policy, duration, shape, read latency scaled too), and with the same replay given
 * the live runs' own fixed latencies, which do not scale down.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { awaitRun, startRun } from '../src/client/runs.js';
import { DEFAULT_POLICY, initialPollState, nextDelay, type PollPolicy } from '../src/polling/policy.js';
import {
  linear,
  progressAt,
  shapeName,
  stalledThenJump,
  stepwise,
  type ProgressShape,
} from '../src/polling/progress-curves.js';
import {
  exponentialReference,
  fixedInterval,
  mulberry32,
  simulatePolling,
  type ReferencePolicy,
  type ReplayResult,
} from '../src/polling/replay.js';
import type { TaskBehavior } from '../src/simulator/index.js';
import type { StatusRead } from '../src/activities/types.js';
import {
  DURATIONS_MS,
  EXTRA_SHAPES,
  MAIN_SHAPES,
  MAX_READS_WITH_PROGRESS,
  NO_PROGRESS_DELAY_CAP_MS,
  RECURRING_SHAPES,
  SAMPLE_SHAPES,
  detectionTargetMs,
  fmtMs,
  formatRecurringTable,
  formatTable,
  reportsProgress,
  runPollingReplay,
  runRecurringReplay,
  type RecurringRow,
  type ReplayRow,
} from './polling-replay.js';
import {
  benchClient,
  benchScope,
  benchStack,
  decodeFirstPayload,
  eventName,
  eventTimeMs,
  fmtDuration,
  historyEvents,
  listAll,
  mdTable,
  mean,
  REAL_WORKER_ENTRY,
  startBenchWorker,
  withTimeout,
  yesNo,
  projectRoot,
  type WorkerTuningEnv,
} from './support.js';
import path from 'node:path';

/** The replay's read latency (uniform 0..250 ms), scaled with everything else. */
const REPLAY_READ_LATENCY_MS = 250;

export interface PollingConfig {
  seeds: number;
  /** Task lengths confirmed live, each with the factor its time constants and duration are divided by. */
  live: { equivalentMs: number; factor: number }[];
  liveRepeats: number;
  dynamicConfig: Record<string, string | number | boolean>;
  tuning: WorkerTuningEnv;
  timeoutMs: number;
}

/** A progress shape the simulator can play, with the replay curve that matches it exactly. */
interface LiveShape {
  name: string;
  replay: ProgressShape;
  sim: Pick<TaskBehavior, 'progress' | 'steps'>;
}

/**
 * The simulator's `stalled-then-jump` climbs to 30 % over the first 30 % of the run and sits there until it
 * finishes (it never reports 100 before the terminal status): the replay curve stalled-at-30%-then-jump(1).
 */
export const LIVE_SHAPES: LiveShape[] = [
  { name: 'linear', replay: linear, sim: { progress: 'linear' } },
  { name: 'stepwise(100)', replay: stepwise(100), sim: { progress: 'stepwise', steps: 100 } },
  {
    name: shapeName(stalledThenJump(1, 30)),
    replay: stalledThenJump(1, 30),
    sim: { progress: 'stalled-then-jump' },
  },
];

/** Every time constant of the policy divided by `factor` (fractions, multipliers and jitter unchanged). */
export function scalePolicy(p: PollPolicy, factor: number): PollPolicy {
  return {
    ...p,
    initialDelayMs: p.initialDelayMs / factor,
    maxDelayMs: p.maxDelayMs / factor,
    minDelayMs: p.minDelayMs / factor,
    maxEtaDelayMs: p.maxEtaDelayMs / factor,
    detectionTolerance: {
      ...p.detectionTolerance,
      minMs: p.detectionTolerance.minMs / factor,
      maxMs: p.detectionTolerance.maxMs / factor,
    },
    errorBackoff: {
      ...p.errorBackoff,
      initialMs: p.errorBackoff.initialMs / factor,
      maxMs: p.errorBackoff.maxMs / factor,
    },
  };
}

interface Stats {
  mean: number;
  worst: number;
}
const stats = (values: number[]): Stats => ({ mean: mean(values), worst: Math.max(...values) });

export interface LiveRun {
  workflowId: string;
  taskId: string;
  outcome: string;
  /** Reads the run counted (StepResult.statusReads) and the simulator served for the task. */
  reads: number;
  simReads: number;
  /** Real ms from the task's finish (create_time + duration) to the read that saw it, and to the step's close. */
  delayReadMs: number;
  delayClosedMs: number;
  /** Real ms from the task's creation to the first read (create activity, signal, scheduling). */
  firstReadMs: number;
  /** Mean real ms a read came after its timer had elapsed (timer lateness + workflow task + activity dispatch). */
  overheadPerReadMs: number;
  /** Step workflow runs (1 + continue-as-new count) and the largest history (events) among them. */
  stepRuns: number;
  maxStepEvents: number;
}

export interface LiveCase {
  /** The task length this case stands for, and the factor it was scaled down by. */
  equivalentMs: number;
  factor: number;
  liveDurationMs: number;
  shape: string;
  policy: PollPolicy;
  /** Replay of the scaled setup, as the table above (first read at creation, read latency 0..250 ms ÷ factor). */
  replay: { reads: Stats; delayMs: Stats; exp125Reads: Stats; fixed30Reads: Stats };
  /** Replay of the scaled setup with the live run's own fixed latencies (first read offset, overhead per read). */
  calibrated: { reads: Stats; delayMs: Stats; firstReadMs: number; overheadPerReadMs: number };
  live: LiveRun[];
  target: string;
  met: boolean;
}

export interface PollingResult {
  seeds: number;
  replay: {
    main: ReplayRow[];
    more: ReplayRow[];
    allMainMet: boolean;
    /** Exports reporting finished/total sample counts while running (issue #13: ≤ 8 reads). */
    samples?: ReplayRow[];
    /** Recurring exports with a duration prior from earlier runs, against the same runs without (median ≤ 3). */
    recurring?: RecurringRow[];
  };
  live: {
    cases: LiveCase[];
    workerEntry: string;
    tuning: WorkerTuningEnv;
    dynamicConfig: Record<string, string | number | boolean>;
    allMet: boolean;
  };
  measuredAt: string;
}

function replayCase(policy: PollPolicy, durationMs: number, shape: ProgressShape, factor: number, seeds: number[]) {
  const run = (seed: number, referencePolicy?: ReferencePolicy): ReplayResult =>
    simulatePolling(policy, {
      durationMs,
      shape,
      seed,
      readLatencyMs: REPLAY_READ_LATENCY_MS / factor,
      ...(referencePolicy && { referencePolicy }),
    });
  const ours = seeds.map((s) => run(s));
  const exp = seeds.map((s) => run(s, exponentialReference(1_000 / factor, 1.25, 60_000 / factor)));
  const fixed = seeds.map((s) => run(s, fixedInterval(30_000 / factor)));
  return {
    reads: stats(ours.map((r) => r.reads)),
    delayMs: stats(ours.map((r) => r.detectionDelayMs)),
    exp125Reads: stats(exp.map((r) => r.reads)),
    fixed30Reads: stats(fixed.map((r) => r.reads)),
    expMinReads: Math.min(...exp.map((r) => r.reads)),
  };
}

/**
 * The same pure policy, replayed with the latencies a live run has and the virtual-time replay leaves out: the
 * first read comes `firstReadMs` after the task's creation (not at it), and every read `overheadMs` after its timer.
 */
export function replayWithLatencies(
  policy: PollPolicy,
  o: { durationMs: number; shape: ProgressShape; seed: number; firstReadMs: number; overheadMs: number },
): { reads: number; detectionDelayMs: number } {
  const epoch = 1_700_000_000_000;
  const random = mulberry32(o.seed);
  let state = initialPollState();
  let t = o.firstReadMs;
  for (let reads = 1; reads < 100_000; reads++) {
    if (t >= o.durationMs) return { reads, detectionDelayMs: t - o.durationMs };
    const progress = progressAt(o.shape, t, o.durationMs);
    const decision = nextDelay(state, { progress, createTimeMs: epoch, nowMs: epoch + t }, policy, random);
    state = decision.state;
    t += decision.delayMs + o.overheadMs;
  }
  throw new Error('calibrated replay did not finish');
}

interface ReadSeen {
  readAtMs: number;
  createTimeMs: number;
  terminal: boolean;
  /** The timer started after this read (ms), if any. */
  timerMs?: number;
}

const durationMs = (d: unknown): number => {
  const v = d as { seconds?: unknown; nanos?: number | null } | null | undefined;
  return Number(v?.seconds ?? 0) * 1000 + (v?.nanos ?? 0) / 1e6;
};

async function measureLiveRun(
  client: Client,
  workflowId: string,
  liveDurationMs: number,
  simReads: (taskId: string) => number,
): Promise<LiveRun> {
  const run = await awaitRun(client, workflowId);
  if (run.outcome !== 'succeeded') throw new Error(`live run ${workflowId} ${run.outcome}: ${run.message}`);
  const step = run.result.steps[0]!;
  const stepId = `${workflowId}.step-1`;
  // Every run of the step (continue-as-new makes several), oldest first.
  const runs = (await listAll(client, `WorkflowId = "${stepId}"`)).sort(
    (a, b) => a.startTime.getTime() - b.startTime.getTime(),
  );
  const reads: ReadSeen[] = [];
  let lastEvents: Awaited<ReturnType<typeof historyEvents>> = [];
  let maxStepEvents = 0;
  for (const info of runs) {
    const events = await historyEvents(client, stepId, info.runId);
    maxStepEvents = Math.max(maxStepEvents, events.length);
    lastEvents = events;
    for (const event of events) {
      const done = event.activityTaskCompletedEventAttributes as { result?: { payloads?: unknown[] } } | undefined;
      const timer = event.timerStartedEventAttributes as { startToFireTimeout?: unknown } | undefined;
      if (done) {
        const value = decodeFirstPayload<Partial<StatusRead>>(done.result);
        if (value?.ok === true && typeof value.readAtMs === 'number')
          reads.push({
            readAtMs: value.readAtMs,
            createTimeMs: value.createTimeMs!,
            terminal: value.terminal === true,
          });
      } else if (timer && reads.length > 0) {
        reads[reads.length - 1]!.timerMs = durationMs(timer.startToFireTimeout);
      }
    }
  }
  const terminal = reads[reads.length - 1];
  if (!terminal?.terminal) throw new Error(`no terminal read found in the history of ${stepId}`);
  const finishMs = terminal.createTimeMs + liveDurationMs;
  const last = lastEvents[lastEvents.length - 1]!;
  if (eventName(last) !== 'workflowExecutionCompleted') throw new Error(`${stepId} did not complete`);
  const gaps = reads
    .slice(0, -1)
    .map((r, i) => reads[i + 1]!.readAtMs - r.readAtMs - (r.timerMs ?? 0))
    .filter((g) => Number.isFinite(g));
  return {
    workflowId,
    taskId: step.taskId,
    outcome: step.outcome,
    reads: step.statusReads,
    simReads: simReads(step.taskId),
    delayReadMs: terminal.readAtMs - finishMs,
    delayClosedMs: eventTimeMs(last) - finishMs,
    firstReadMs: reads[0]!.readAtMs - terminal.createTimeMs,
    overheadPerReadMs: +mean(gaps).toFixed(1),
    stepRuns: runs.length,
    maxStepEvents,
  };
}

export async function runPolling(config: PollingConfig, log: (m: string) => void): Promise<PollingResult> {
  const seeds = Array.from({ length: config.seeds }, (_, i) => i + 1);
  log(
    `replay: ${DURATIONS_MS.length} durations × ${MAIN_SHAPES.length + EXTRA_SHAPES.length} shapes × ${seeds.length} seeds`,
  );
  const main = runPollingReplay({ seeds });
  const more = runPollingReplay({ seeds, shapes: [...EXTRA_SHAPES, stalledThenJump(1, 30)] });
  const samples = runPollingReplay({ seeds, shapes: SAMPLE_SHAPES });
  const recurring = runRecurringReplay({ seeds, shapes: RECURRING_SHAPES });

  const scope = benchScope();
  try {
    const taskQueue = `bench-polling-${randomUUID().slice(0, 8)}`;
    const stack = await benchStack(scope, config.dynamicConfig, taskQueue);
    const sim = stack.sim;
    const client = await benchClient(scope, stack.server);
    await startBenchWorker(scope, REAL_WORKER_ENTRY, stack.workerEnv(config.tuning), { label: 'polling worker' });

    const plans = config.live.flatMap(({ equivalentMs, factor }) =>
      LIVE_SHAPES.map((shape) => {
        const liveDurationMs = Math.round(equivalentMs / factor);
        const policy = scalePolicy(DEFAULT_POLICY, factor);
        const ids = Array.from({ length: config.liveRepeats }, (_, rep) => {
          const ds = sim.createDataset({
            dataset_name: `live-${fmtMs(equivalentMs)}-${shape.sim.progress}-${rep}`,
            behavior: { durationMs: liveDurationMs, queuedMs: 0, ...shape.sim },
          });
          return {
            datasetId: ds.dataset_id,
            workflowId: `live-${fmtMs(equivalentMs)}-${shape.sim.progress}-${rep}-${randomUUID().slice(0, 8)}`,
          };
        });
        return { equivalentMs, factor, liveDurationMs, policy, shape, ids };
      }),
    );
    log(
      `live: ${plans.length} cases × ${config.liveRepeats} run(s), all at once; scale factors ` +
        [...new Set(plans.map((p) => `${fmtMs(p.equivalentMs)}÷${p.factor}`))].join(', '),
    );
    for (const plan of plans) {
      for (const { datasetId, workflowId } of plan.ids) {
        await startRun(
          client,
          {
            steps: [{ kind: 'export', datasetId, request: { path: '/bench-bucket/live/', export_type: 0 } }],
            wait: { policy: plan.policy },
          },
          { taskQueue, workflowId },
        );
      }
    }
    const simReads = (taskId: string) => sim.counters().byTask[taskId]?.statusReads ?? NaN;
    const cases: LiveCase[] = [];
    for (const plan of plans) {
      const live = await withTimeout(
        Promise.all(
          plan.ids.map(({ workflowId }) => measureLiveRun(client, workflowId, plan.liveDurationMs, simReads)),
        ),
        config.timeoutMs,
        `live ${plan.shape.name} ${fmtMs(plan.equivalentMs)}`,
      );
      const replay = replayCase(plan.policy, plan.liveDurationMs, plan.shape.replay, plan.factor, seeds);
      const firstReadMs = mean(live.map((r) => r.firstReadMs));
      const overheadMs = mean(live.map((r) => r.overheadPerReadMs).filter((v) => Number.isFinite(v)));
      const calibratedRuns = seeds.map((seed) =>
        replayWithLatencies(plan.policy, {
          durationMs: plan.liveDurationMs,
          shape: plan.shape.replay,
          seed,
          firstReadMs,
          overheadMs: Number.isFinite(overheadMs) ? overheadMs : 0,
        }),
      );
      const progress = reportsProgress(plan.shape.replay);
      const scaledTarget = detectionTargetMs(plan.equivalentMs) / plan.factor;
      // No-progress shapes: the reference's 60 s cap, scaled, plus 1 s for the fixed cost of a live read (timer,
      // workflow task, activity, HTTP), which does not scale down.
      const scaledCap = NO_PROGRESS_DELAY_CAP_MS / plan.factor;
      const met = progress
        ? live.every((r) => r.reads <= MAX_READS_WITH_PROGRESS && r.delayReadMs <= scaledTarget)
        : live.every((r) => r.reads <= replay.expMinReads && r.delayReadMs <= scaledCap + 1_000);
      cases.push({
        equivalentMs: plan.equivalentMs,
        factor: plan.factor,
        liveDurationMs: plan.liveDurationMs,
        shape: plan.shape.name,
        policy: plan.policy,
        replay: {
          reads: replay.reads,
          delayMs: replay.delayMs,
          exp125Reads: replay.exp125Reads,
          fixed30Reads: replay.fixed30Reads,
        },
        calibrated: {
          reads: stats(calibratedRuns.map((r) => r.reads)),
          delayMs: stats(calibratedRuns.map((r) => r.detectionDelayMs)),
          firstReadMs: +firstReadMs.toFixed(1),
          overheadPerReadMs: +overheadMs.toFixed(1),
        },
        live,
        target: progress
          ? `<=${MAX_READS_WITH_PROGRESS} reads, delay<=${fmtDuration(scaledTarget)} (${fmtMs(detectionTargetMs(plan.equivalentMs))} unscaled)`
          : `reads <= exp ref (${replay.expMinReads}), delay<=${fmtDuration(scaledCap)} (1m unscaled)`,
        met,
      });
    }
    return {
      seeds: seeds.length,
      replay: { main, more, allMainMet: main.every((r) => r.met), samples, recurring },
      live: {
        cases,
        workerEntry: path.relative(projectRoot, REAL_WORKER_ENTRY),
        tuning: config.tuning,
        dynamicConfig: config.dynamicConfig,
        allMet: cases.every((c) => c.met),
      },
      measuredAt: new Date().toISOString(),
    };
  } finally {
    await scope.close();
  }
}

export function formatPolling(r: PollingResult): string {
  const legend =
    'reads / detection delay; worst = max over seeds; blind = reads before progress first moved (worst seed)';
  const st = (x: Stats, f: (n: number) => string) => `${f(x.mean)} (${f(x.worst)})`;
  const n1 = (n: number) => n.toFixed(1);
  const each = (c: LiveCase, pick: (x: LiveRun) => number, f: (n: number) => string) =>
    c.live.map((x) => f(pick(x))).join(', ');
  const readRows = r.live.cases.map((c) => [
    fmtMs(c.equivalentMs),
    c.shape,
    `÷${c.factor} → ${fmtDuration(c.liveDurationMs)}`,
    st(c.replay.reads, n1),
    st(c.calibrated.reads, n1),
    each(c, (x) => x.reads, String) +
      (c.live.some((x) => x.simReads !== x.reads) ? ` [sim: ${each(c, (x) => x.simReads, String)}]` : ''),
    `${n1(c.replay.exp125Reads.mean)} / ${n1(c.replay.fixed30Reads.mean)}`,
    `${fmtDuration(c.calibrated.firstReadMs)} / ${fmtDuration(c.calibrated.overheadPerReadMs)}`,
  ]);
  const delayRows = r.live.cases.map((c) => [
    fmtMs(c.equivalentMs),
    c.shape,
    st(c.replay.delayMs, fmtDuration),
    st(c.calibrated.delayMs, fmtDuration),
    each(c, (x) => x.delayReadMs, fmtDuration),
    each(c, (x) => x.delayClosedMs, fmtDuration),
    fmtMs(Math.max(...c.live.map((x) => x.delayReadMs)) * c.factor),
    c.target,
    yesNo(c.met),
  ]);
  const shift = r.live.dynamicConfig['history.timerProcessorMaxTimeShift'];
  return [
    `Replay (virtual time, ${r.seeds} seeds, read latency up to 250 ms). ${legend}`,
    '',
    formatTable(r.replay.main),
    '',
    "More shapes (the last one is the simulator's stalled-then-jump, used live below):",
    '',
    formatTable(r.replay.more),
    '',
    ...(r.replay.samples
      ? [
          'Exports that report finished_sample_count/total_sample_count while running (finer than the percentage):',
          '',
          formatTable(r.replay.samples),
          '',
        ]
      : []),
    ...(r.replay.recurring
      ? [
          'Recurring exports: a duration prior (median and shortest of the 7 previous nights, each night ±10 % of ' +
            'nominal) against the same runs without it; reads median / worst, worst detection delay:',
          '',
          formatRecurringTable(r.replay.recurring),
          '',
        ]
      : []),
    `Live confirmation: dev server + the worker process (${r.live.workerEntry}) + simulator over HTTP, time-scaled: ` +
      `the policy's time constants (initialDelayMs, minDelayMs, maxDelayMs, maxEtaDelayMs, detectionTolerance.minMs/maxMs, ` +
      `errorBackoff.initialMs/maxMs) and the task duration divided by the factor (through the spec's wait.policy), ` +
      `targets scaled alike` +
      (shift ? `; server timer floor history.timerProcessorMaxTimeShift=${shift}` : '') +
      '. "replay" = the scaled setup as in the table above; "calibrated" = the same pure policy replayed with the ' +
      "live runs' fixed latencies (first read after creation, overhead per read), which do not scale down. " +
      'Times are real (scaled) milliseconds; "× factor" maps the worst live delay back to the unscaled task.',
    '',
    'Status reads per export:',
    '',
    mdTable(
      [
        'task',
        'shape',
        'scale → live task',
        'replay mean (worst)',
        'calibrated mean (worst)',
        'live (each run)',
        'exp 1s×1.25 / fixed 30s (replay mean)',
        'live first read / overhead per read',
      ],
      readRows,
    ),
    '',
    'Detection delay (task finish → the read that saw it; and → the step workflow closed):',
    '',
    mdTable(
      [
        'task',
        'shape',
        'replay mean (worst)',
        'calibrated mean (worst)',
        'live: read',
        'live: step closed',
        'worst live × factor',
        'target',
        'met',
      ],
      delayRows,
    ),
  ].join('\n');
}
