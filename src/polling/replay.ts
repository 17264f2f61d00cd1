/**
 * Replays a polling policy against a progress curve in virtual time: no timers, no clock, fully deterministic
 * for a given seed. Used by the unit tests (targets) and bench/polling-replay.ts (the comparison table).
 */
import {
  firstReadDelayMs,
  initialPollState,
  nextDelay,
  type DelayReason,
  type PollPolicy,
  type PollState,
  type Prior,
} from './policy.js';
import { progressAt, samplesAt, type ProgressShape } from './progress-curves.js';

/** A peer's polling schedule: the delay after the `readIndex`-th read (0-based). */
export type ReferencePolicy = (readIndex: number) => number;

/** Fixed interval, e.g. Airflow's `check_interval=30`. */
export const fixedInterval =
  (intervalMs = 30_000): ReferencePolicy =>
  () =>
    intervalMs;

/** Exponential without jitter, e.g. Google Cloud Workflows' default polling_policy (1 s × 1.25, max 60 s). */
export const exponentialReference =
  (initialMs = 1_000, multiplier = 1.25, maxMs = 60_000): ReferencePolicy =>
  (readIndex) =>
    Math.min(maxMs, initialMs * multiplier ** readIndex);

export const FIXED_30S: ReferencePolicy = fixedInterval(30_000);
export const EXPONENTIAL_1S_125: ReferencePolicy = exponentialReference(1_000, 1.25, 60_000);

/**
 * mulberry32: a tiny seeded PRNG returning floats in [0, 1), for reproducible replays. The one generator of the
 * project: the simulator's ids and faults and the chaos schedules use it too; `state` can be saved and resumed.
 */
export class Mulberry32 {
  constructor(public state: number) {
    this.state = state >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export function mulberry32(seed: number): () => number {
  const stream = new Mulberry32(seed);
  return () => stream.next();
}

export interface ReplayOptions {
  /** Running time of the task, after any queueing. */
  durationMs: number;
  shape: ProgressShape;
  /** Time the task spends queued (status INIT/queuing, progress 0) before it runs. Default 0. */
  queuedMs?: number;
  /** Time from the task's creation to the first read (creation answer, workflow task, activity). Default 0. */
  firstReadMs?: number;
  seed: number;
  /** Replay this peer schedule instead of `policy`. */
  referencePolicy?: ReferencePolicy;
  /** Probability (0..1) that a read fails transiently (a 429 with `retryAfterMs` when that is set). Default 0. */
  errorRate?: number;
  retryAfterMs?: number;
  /**
   * Upper bound of the time a status read takes (uniform in [0, readLatencyMs], seeded): the next delay starts
   * when the read returns, so reads drift off any fixed grid as they do in production. Default 250 ms.
   */
  readLatencyMs?: number;
  /** Keep every read in `trace` (for debugging and tests). */
  trace?: boolean;
  /** A duration prior the policy starts with (earlier runs of the same work), durations from creation. */
  prior?: Prior;
}

export interface ReplayRead {
  /** Virtual ms since task creation. */
  atMs: number;
  /** Progress seen, or undefined for a failed read. */
  progress?: number;
  terminal: boolean;
  delayMs?: number;
  reason?: DelayReason;
}

export interface ReplayResult {
  /** Status reads made, including the first one and the one that saw the terminal status (and failed ones). */
  reads: number;
  /** Time from the real finish to the read that saw it. */
  detectionDelayMs: number;
  /** The policy state after the run (undefined for reference replays). */
  state?: PollState;
  trace?: ReplayRead[];
}

/** Any epoch works; a realistic one keeps the arithmetic close to what production sees. */
const EPOCH_MS = 1_700_000_000_000;
/** A guard against a policy that never reaches the finish (e.g. a zero delay loop). */
const MAX_READS = 1_000_000;

export function simulatePolling(policy: PollPolicy, options: ReplayOptions): ReplayResult {
  const { durationMs, shape, seed, referencePolicy, errorRate = 0, retryAfterMs, readLatencyMs = 250 } = options;
  const queuedMs = options.queuedMs ?? 0;
  const finishAt = queuedMs + durationMs;
  const random = mulberry32(seed);
  // Failures come from their own stream so that turning them on does not change the policy's jitter draws.
  const failures = mulberry32(seed ^ 0x9e3779b9);
  const latencies = mulberry32(seed ^ 0x85ebca6b);
  const trace: ReplayRead[] = [];
  let state = initialPollState(options.prior);
  // A run with a prior skips the read at creation (as src/workflows/wait.ts does for a fresh task).
  let t = options.firstReadMs ?? firstReadDelayMs(referencePolicy ? undefined : options.prior, policy);
  for (let reads = 1; reads <= MAX_READS; reads++) {
    const failed = errorRate > 0 && failures() < errorRate;
    if (!failed && t >= finishAt) {
      if (options.trace) trace.push({ atMs: t, progress: 100, terminal: true });
      return {
        reads,
        detectionDelayMs: t - finishAt,
        ...(!referencePolicy && { state }),
        ...(options.trace && { trace }),
      };
    }
    const queued = t < queuedMs;
    const progress = queued ? 0 : progressAt(shape, t - queuedMs, durationMs);
    const samples = queued ? undefined : samplesAt(shape, t - queuedMs, durationMs);
    let delayMs: number;
    let reason: DelayReason | undefined;
    if (referencePolicy) {
      delayMs = referencePolicy(reads - 1);
    } else {
      const decision = nextDelay(
        state,
        failed
          ? { transient: true, ...(retryAfterMs !== undefined && { retryAfterMs }) }
          : { progress, createTimeMs: EPOCH_MS, nowMs: EPOCH_MS + t, queued, ...samples },
        policy,
        random,
      );
      ({ delayMs, reason, state } = decision);
    }
    if (options.trace)
      trace.push({ atMs: t, ...(!failed && { progress }), terminal: false, delayMs, ...(reason && { reason }) });
    t += readLatencyMs * latencies() + delayMs;
  }
  throw new Error(`replay did not finish within ${MAX_READS} reads`);
}
