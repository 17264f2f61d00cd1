/**
 * Polling policy replay: status reads and detection delay of our policy against two peer defaults (a fixed 30 s
 * interval, as Airflow; exponential 1 s × 1.25 capped at 60 s, as Google Cloud Workflows), for 1 min / 10 min /
 * 1 h / 6 h tasks and several progress shapes, over several seeds (jitter and read latency).
 * Virtual time: the whole run takes milliseconds. After `tsc`: node dist/bench/polling-replay.js
 */
import { pathToFileURL } from 'node:url';
import { DEFAULT_POLICY, priorOf, type PollPolicy } from '../src/polling/policy.js';
import {
  linear,
  none,
  shapeName,
  stalledThenJump,
  stepwise,
  withSamples,
  type ProgressShape,
} from '../src/polling/progress-curves.js';
import {
  EXPONENTIAL_1S_125,
  FIXED_30S,
  mulberry32,
  simulatePolling,
  type ReplayOptions,
  type ReplayResult,
} from '../src/polling/replay.js';

export const DURATIONS_MS = [60_000, 10 * 60_000, 60 * 60_000, 6 * 60 * 60_000, 24 * 60 * 60_000];
/** The 12 target cells: durations × these shapes. stepwise(100) is integer-percent progress. */
export const MAIN_SHAPES: ProgressShape[] = [linear, stepwise(100), stalledThenJump(0.8)];
export const EXTRA_SHAPES: ProgressShape[] = [
  stepwise(1000),
  stepwise(20),
  stepwise(10),
  stalledThenJump(0.8, 30),
  none,
];
/**
 * Exports that report `finished_sample_count`/`total_sample_count` while running, next to a whole-percent or a
 * 10 %-step percentage: the policy models finished/total when it is finer (src/polling/policy.ts progressOf).
 */
export const SAMPLE_SHAPES: ProgressShape[] = [withSamples(10_000, 100), withSamples(1_000, 10), withSamples(500, 100)];
/** Recurring exports: smooth, whole-percent, 10 % steps, whole percents with 10,000 sample counts, no progress. */
export const RECURRING_SHAPES: ProgressShape[] = [linear, stepwise(100), stepwise(10), withSamples(10_000, 100), none];
export const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

/** Shapes whose progress lets the policy estimate the finish; the others must not out-read the exponential reference. */
export const reportsProgress = (shape: ProgressShape): boolean =>
  shape.kind === 'linear' || shape.kind === 'stepwise' || shape.kind === 'samples';
/** Detection target for progress-reporting tasks: min(60 s, max(2 s, 2 % of the duration)). */
export const detectionTargetMs = (durationMs: number): number => Math.min(60_000, Math.max(2_000, 0.02 * durationMs));
export const MAX_READS_WITH_PROGRESS = 10;
/** Issue #13's goal for exports whose sample counts are finer than the percentage. */
export const MAX_READS_WITH_SAMPLES = 8;
/** Issue #13's goal for recurring exports (a run with a duration prior from earlier runs): median reads. */
export const MEDIAN_READS_WITH_PRIOR = 3;
/**
 * Tasks without useful progress are compared with the exponential reference "at the same delay cap": no more reads
 * than it, and seen within its 60 s cap (plus the read's own latency) of finishing.
 */
export const NO_PROGRESS_DELAY_CAP_MS = 60_000;
/** The replay's default read latency bound (src/polling/replay.ts). */
const DEFAULT_READ_LATENCY_MS = 250;

export interface Stat {
  reads: number;
  delayMs: number;
}
export interface Summary {
  /** Max reads and max detection delay over the seeds (not necessarily the same seed). */
  worst: Stat;
  mean: Stat;
}

export interface ReplayRow {
  durationMs: number;
  shape: string;
  ours: Summary;
  /** Our reads before the first read that showed progress above 0 (worst seed): reads no policy can avoid. */
  blindReads: number;
  fixed30s: Summary;
  exp125: Summary;
  target: string;
  /** Every seed meets the target (for no-progress shapes: our reads ≤ the exponential reference's, seed by seed). */
  met: boolean;
}

export interface ReplayRunOptions {
  policy?: PollPolicy;
  shapes?: ProgressShape[];
  durationsMs?: number[];
  seeds?: number[];
  /** Passed to every replay (queueing, transient errors, read latency). */
  replay?: Pick<ReplayOptions, 'queuedMs' | 'errorRate' | 'retryAfterMs' | 'readLatencyMs'>;
}

const summarise = (runs: ReplayResult[]): Summary => ({
  worst: { reads: Math.max(...runs.map((r) => r.reads)), delayMs: Math.max(...runs.map((r) => r.detectionDelayMs)) },
  mean: {
    reads: runs.reduce((s, r) => s + r.reads, 0) / runs.length,
    delayMs: runs.reduce((s, r) => s + r.detectionDelayMs, 0) / runs.length,
  },
});

export function runPollingReplay(options: ReplayRunOptions = {}): ReplayRow[] {
  const {
    policy = DEFAULT_POLICY,
    shapes = MAIN_SHAPES,
    durationsMs = DURATIONS_MS,
    seeds = SEEDS,
    replay = {},
  } = options;
  const rows: ReplayRow[] = [];
  for (const durationMs of durationsMs) {
    for (const shape of shapes) {
      const run = (seed: number, referencePolicy?: ReplayOptions['referencePolicy']): ReplayResult =>
        simulatePolling(policy, {
          ...replay,
          durationMs,
          shape,
          seed,
          trace: !referencePolicy,
          ...(referencePolicy && { referencePolicy }),
        });
      const ours = seeds.map((seed) => run(seed));
      const exp = seeds.map((seed) => run(seed, EXPONENTIAL_1S_125));
      const fixed = seeds.map((seed) => run(seed, FIXED_30S));
      const blindReads = Math.max(
        ...ours.map((r) => (r.trace ?? []).findIndex((read) => (read.progress ?? 0) > 0 || read.terminal) + 1),
      );
      let target: string;
      let met: boolean;
      if (reportsProgress(shape)) {
        const limit = detectionTargetMs(durationMs);
        const maxReads = shape.kind === 'samples' ? MAX_READS_WITH_SAMPLES : MAX_READS_WITH_PROGRESS;
        target = `<=${maxReads} reads, delay<=${fmtMs(limit)}`;
        met = ours.every((r) => r.reads <= maxReads && r.detectionDelayMs <= limit);
      } else {
        const limit = NO_PROGRESS_DELAY_CAP_MS + (replay.readLatencyMs ?? DEFAULT_READ_LATENCY_MS);
        target = `reads <= exp ref, delay<=${fmtMs(NO_PROGRESS_DELAY_CAP_MS)}`;
        met = ours.every((r, i) => r.reads <= (exp[i]?.reads ?? 0) && r.detectionDelayMs <= limit);
      }
      rows.push({
        durationMs,
        shape: shapeName(shape),
        ours: summarise(ours),
        blindReads,
        fixed30s: summarise(fixed),
        exp125: summarise(exp),
        target,
        met,
      });
    }
  }
  return rows;
}

/** A recurring export: this run's duration varies around its history's (the prior) by up to ±`spread`. */
export interface RecurringRow {
  durationMs: number;
  shape: string;
  /** Median, worst reads and worst detection delay over the runs, with the prior and without it. */
  withPrior: { median: number; worst: number; worstDelayMs: number };
  without: { median: number; worst: number; worstDelayMs: number };
  fixed30s: { median: number };
  exp125: { median: number };
  target: string;
  met: boolean;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Recurring exports: each seed is one night's run. Its prior is the median of the `history` previous nights
 * (durations drawn uniformly within ±spread of nominal, seeded), with the shortest of them; tonight's run is drawn
 * the same way. Compared with the same runs replayed without a prior, and with the two references.
 */
export function runRecurringReplay(
  options: {
    shapes?: ProgressShape[];
    durationsMs?: number[];
    seeds?: number[];
    spread?: number;
    history?: number;
  } = {},
): RecurringRow[] {
  const { shapes = [linear, stepwise(100)], durationsMs = DURATIONS_MS, seeds = SEEDS } = options;
  const { spread = 0.1, history = 7 } = options;
  const rows: RecurringRow[] = [];
  for (const nominal of durationsMs) {
    for (const shape of shapes) {
      const withPrior: ReplayResult[] = [];
      const without: ReplayResult[] = [];
      const fixed: ReplayResult[] = [];
      const exp: ReplayResult[] = [];
      for (const seed of seeds) {
        const draw = mulberry32(seed * 7919 + nominal);
        const vary = (): number => Math.round(nominal * (1 + spread * (2 * draw() - 1)));
        const past = Array.from({ length: history }, vary);
        const durationMs = vary();
        const base = { durationMs, shape, seed };
        // The progress step the previous nights' waits learned (the coarsest), as a schedule's prior carries it.
        const steps = past
          .map((d, i) => simulatePolling(DEFAULT_POLICY, { durationMs: d, shape, seed: seed * 100 + i }).state?.quantum)
          .filter((q): q is number => q !== undefined);
        const step = steps.length > 0 ? Math.max(...steps) : undefined;
        withPrior.push(
          simulatePolling(DEFAULT_POLICY, { ...base, prior: priorOf(median(past), Math.min(...past), step)! }),
        );
        without.push(simulatePolling(DEFAULT_POLICY, base));
        fixed.push(simulatePolling(DEFAULT_POLICY, { ...base, referencePolicy: FIXED_30S }));
        exp.push(simulatePolling(DEFAULT_POLICY, { ...base, referencePolicy: EXPONENTIAL_1S_125 }));
      }
      const stat = (runs: ReplayResult[]) => ({
        median: median(runs.map((r) => r.reads)),
        worst: Math.max(...runs.map((r) => r.reads)),
        worstDelayMs: Math.max(...runs.map((r) => r.detectionDelayMs)),
      });
      const ours = stat(withPrior);
      const expMedian = median(exp.map((r) => r.reads));
      // Same detection targets as the main table: progress shapes 2 % of the (shortest) duration, others the 60 s cap.
      const progress = reportsProgress(shape);
      const limit = progress
        ? detectionTargetMs(nominal * (1 - spread))
        : NO_PROGRESS_DELAY_CAP_MS + DEFAULT_READ_LATENCY_MS;
      rows.push({
        durationMs: nominal,
        shape: shapeName(shape),
        withPrior: ours,
        without: stat(without),
        fixed30s: { median: median(fixed.map((r) => r.reads)) },
        exp125: { median: expMedian },
        target: progress
          ? `median<=${MEDIAN_READS_WITH_PRIOR} reads, delay<=${fmtMs(limit)}`
          : `reads <= exp ref, delay<=${fmtMs(NO_PROGRESS_DELAY_CAP_MS)}`,
        met:
          ours.worstDelayMs <= limit && (progress ? ours.median <= MEDIAN_READS_WITH_PRIOR : ours.worst <= expMedian),
      });
    }
  }
  return rows;
}

export function formatRecurringTable(rows: RecurringRow[]): string {
  const header = [
    'duration',
    'shape',
    'with prior: median/worst reads, worst delay',
    'without prior',
    'fixed 30s (median)',
    'exp 1s×1.25 (median)',
    'target',
    'met',
  ];
  const st = (s: RecurringRow['withPrior']): string => `${s.median} / ${s.worst}, ${fmtMs(s.worstDelayMs)}`;
  const body = rows.map((r) => [
    fmtMs(r.durationMs),
    r.shape,
    st(r.withPrior),
    st(r.without),
    String(r.fixed30s.median),
    String(r.exp125.median),
    r.target,
    r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cols: string[]): string => `| ${cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function fmtMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)}m`;
  return `${+(ms / 3_600_000).toFixed(1)}h`;
}

export function formatTable(rows: ReplayRow[]): string {
  const header = [
    'duration',
    'shape',
    'ours worst',
    'ours mean',
    'blind',
    'fixed 30s (mean)',
    'exp 1s×1.25 (mean)',
    'target',
    'met',
  ];
  const stat = (s: Stat, digits = 0): string => `${s.reads.toFixed(digits)} / ${fmtMs(s.delayMs)}`;
  const body = rows.map((r) => [
    fmtMs(r.durationMs),
    r.shape,
    stat(r.ours.worst),
    stat(r.ours.mean, 1),
    String(r.blindReads),
    stat(r.fixed30s.mean, 1),
    stat(r.exp125.mean, 1),
    r.target,
    r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cols: string[]): string => `| ${cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function main(): void {
  const legend =
    'reads / detection delay; worst = max over seeds; blind = reads before progress first moved (worst seed)';
  console.log(`Polling replay, ${SEEDS.length} seeds, read latency up to 250 ms. ${legend}\n`);
  console.log(formatTable(runPollingReplay()));
  console.log('\nMore shapes:\n');
  console.log(formatTable(runPollingReplay({ shapes: EXTRA_SHAPES })));
  console.log('\nExports reporting sample counts while running:\n');
  console.log(formatTable(runPollingReplay({ shapes: SAMPLE_SHAPES })));
  console.log('\nRecurring exports (prior = median and shortest of the 7 previous nights, durations ±10 %):\n');
  console.log(formatRecurringTable(runRecurringReplay({ shapes: RECURRING_SHAPES })));
  console.log('\nQueued 2 min (status INIT) before running:\n');
  console.log(formatTable(runPollingReplay({ replay: { queuedMs: 120_000 } })));
  console.log('\n20 % of reads fail (429 with Retry-After 5 s):\n');
  console.log(formatTable(runPollingReplay({ replay: { errorRate: 0.2, retryAfterMs: 5_000 } })));
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) main();
