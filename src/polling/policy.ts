import { finishWindow, nextQuantum, type ValueSeen } from './estimate.js';

/**
 * The polling policy: how long the wait loop sleeps before its next status read.
 *
 * Pure and deterministic: no I/O, no clock, no global randomness. Workflow code passes its own (replay-safe)
 * `Math.random` as `random`; tests and replays pass a seeded generator.
 *
 * Three regimes:
 * - transient read failures back off exponentially with full jitter and honour Retry-After;
 * - while no useful progress is known (0 %, or stuck), delays grow exponentially up to `maxDelayMs`, so such
 *   tasks are never read more often than a jitter-free exponential schedule with the same cap;
 * - once `progress` moves, the window of possible finish times is computed (estimate.ts), and reads approach it,
 *   each placed so that a finish inside the window is seen within the detection tolerance, landing just after it.
 */

export interface PollPolicy {
  /** First delay after a read that showed no useful progress (the read right after creation, typically). */
  initialDelayMs: number;
  /** Cap for reads made without a usable progress estimate: blind backoff and reads after an estimate has passed. */
  maxDelayMs: number;
  /** Growth per read of blind delays. */
  multiplier: number;
  /** Floor for every delay (except that a deadline can cut it shorter). */
  minDelayMs: number;
  /** Fraction (0..1) of a still-growing blind delay that may be removed at random to spread many runs apart. */
  jitter: number;
  /**
   * Cap for a delay aimed at a progress-based estimate. Separate from `maxDelayMs` because a 6-hour export
   * cannot be observed in a handful of reads with 60-second sleeps; the geometric approach bounds the risk.
   */
  maxEtaDelayMs: number;
  /** Approach reads go at most this fraction of the way from now to the latest possible finish (a model check). */
  approachFraction: number;
  /** How close after the real finish the final read should land: clamp(fraction × estimated duration, min, max). */
  detectionTolerance: { fraction: number; minMs: number; maxMs: number };
  /** Transient failures (429, 5xx, network): full jitter in [0, min(maxMs, initialMs × multiplier^(n-1))]. */
  errorBackoff: { initialMs: number; maxMs: number; multiplier: number };
  /**
   * How long after this step's own create a task the service reports as unknown (a not-found code, or an import's
   * `NOT_EXIST`) is read again instead of ending the step: the service's reads may lag its writes. Absent in policies
   * recorded before it existed: then READ_AFTER_WRITE_GRACE_MS (see readAfterWriteGraceOf).
   */
  readAfterWriteGraceMs?: number;
}

/** Default of `readAfterWriteGraceMs`: two minutes. */
export const READ_AFTER_WRITE_GRACE_MS = 2 * 60_000;

/** The policy's read-after-write grace (ms), with the default for policies recorded before the field existed. */
export const readAfterWriteGraceOf = (policy: PollPolicy): number =>
  policy.readAfterWriteGraceMs ?? READ_AFTER_WRITE_GRACE_MS;

export const DEFAULT_POLICY: Readonly<PollPolicy> = Object.freeze({
  initialDelayMs: 2_000,
  maxDelayMs: 60_000,
  multiplier: 2.5,
  minDelayMs: 1_000,
  jitter: 0.2,
  // Landing never extrapolates further than progress has been watched (see onRead), so the cap only bounds a
  // single sleep; at 2 h a 24-hour export took 12+ reads for the cap alone.
  maxEtaDelayMs: 24 * 60 * 60_000,
  approachFraction: 0.8,
  detectionTolerance: Object.freeze({ fraction: 0.02, minMs: 2_000, maxMs: 60_000 }),
  errorBackoff: Object.freeze({ initialMs: 1_000, maxMs: 60_000, multiplier: 2 }),
  readAfterWriteGraceMs: READ_AFTER_WRITE_GRACE_MS,
});

/** DEFAULT_POLICY with some fields replaced (nested objects are merged field by field). */
export function withDefaults(overrides: Partial<PollPolicy> = {}): PollPolicy {
  return {
    ...DEFAULT_POLICY,
    ...overrides,
    detectionTolerance: { ...DEFAULT_POLICY.detectionTolerance, ...overrides.detectionTolerance },
    errorBackoff: { ...DEFAULT_POLICY.errorBackoff, ...overrides.errorBackoff },
  };
}

/**
 * Checks a policy (for example one received through a workflow update) and returns one message per problem,
 * each naming the field; an empty array means the policy is usable.
 */
export function validatePolicy(p: unknown): string[] {
  if (typeof p !== 'object' || p === null) return ['policy must be an object'];
  const errors: string[] = [];
  const record = p as Record<string, unknown>;
  const num = (
    obj: Record<string, unknown>,
    path: string,
    key: string,
    min: number,
    max = Infinity,
    minExclusive = false,
  ): number | undefined => {
    const v = obj[key];
    const name = path ? `${path}.${key}` : key;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      errors.push(`${name} must be a finite number`);
      return undefined;
    }
    if (minExclusive ? v <= min : v < min)
      errors.push(`${name} must be ${minExclusive ? '>' : '>='} ${min} (got ${v})`);
    else if (v > max) errors.push(`${name} must be <= ${max} (got ${v})`);
    return v;
  };
  const group = (key: string): Record<string, unknown> | undefined => {
    const v = record[key];
    if (typeof v === 'object' && v !== null) return v as Record<string, unknown>;
    errors.push(`${key} must be an object`);
    return undefined;
  };

  const minDelay = num(record, '', 'minDelayMs', 0, Infinity, true);
  const initial = num(record, '', 'initialDelayMs', 0, Infinity, true);
  const maxDelay = num(record, '', 'maxDelayMs', 0, Infinity, true);
  num(record, '', 'multiplier', 1);
  num(record, '', 'jitter', 0, 1);
  const maxEta = num(record, '', 'maxEtaDelayMs', 0, Infinity, true);
  num(record, '', 'approachFraction', 0, 1, true);
  if (record.approachFraction === 1) errors.push('approachFraction must be < 1 (got 1)');
  if (minDelay !== undefined && maxDelay !== undefined && maxDelay < minDelay)
    errors.push(`maxDelayMs must be >= minDelayMs (${maxDelay} < ${minDelay})`);
  if (initial !== undefined && maxDelay !== undefined && initial > maxDelay)
    errors.push(`initialDelayMs must be <= maxDelayMs (${initial} > ${maxDelay})`);
  if (maxEta !== undefined && maxDelay !== undefined && maxEta < maxDelay)
    errors.push(`maxEtaDelayMs must be >= maxDelayMs (${maxEta} < ${maxDelay})`);
  // Optional: policies carried over from before the field existed lack it (0 turns the grace off).
  if (record.readAfterWriteGraceMs !== undefined) num(record, '', 'readAfterWriteGraceMs', 0, 24 * 60 * 60_000);

  const tol = group('detectionTolerance');
  if (tol) {
    num(tol, 'detectionTolerance', 'fraction', 0, 1, true);
    const lo = num(tol, 'detectionTolerance', 'minMs', 0, Infinity, true);
    const hi = num(tol, 'detectionTolerance', 'maxMs', 0, Infinity, true);
    if (lo !== undefined && hi !== undefined && hi < lo)
      errors.push(`detectionTolerance.maxMs must be >= detectionTolerance.minMs (${hi} < ${lo})`);
  }
  const err = group('errorBackoff');
  if (err) {
    const lo = num(err, 'errorBackoff', 'initialMs', 0, Infinity, true);
    const hi = num(err, 'errorBackoff', 'maxMs', 0, Infinity, true);
    num(err, 'errorBackoff', 'multiplier', 1);
    if (lo !== undefined && hi !== undefined && hi < lo)
      errors.push(`errorBackoff.maxMs must be >= errorBackoff.initialMs (${hi} < ${lo})`);
  }
  return errors;
}

/** One status read, as the status activity reports it. */
export type Observation =
  | {
      transient?: false;
      /** 0..100 as ModelArts reports it; may stay 0, move in steps, or stall. */
      progress: number;
      /** Task creation (epoch ms, server clock); NaN if unknown (then the first read stands in for it). */
      createTimeMs: number;
      /** When the read happened (epoch ms). Use one clock for every read of a task, e.g. the activity's. */
      nowMs: number;
      /** The task is still waiting to start (see TaskState.queued in status.ts). */
      queued?: boolean;
      /**
       * Samples done and in all, when the task reports them (`finished_sample_count`, `total_sample_count`): with
       * more than MIN_SAMPLE_TOTAL samples they measure progress more finely than the percentage (see progressOf).
       */
      finishedSampleCount?: number;
      totalSampleCount?: number;
    }
  | {
      /** 429, 5xx, network error, expired token: the read failed but the task is unaffected. */
      transient: true;
      /** Retry-After from a 429/503, in ms. */
      retryAfterMs?: number;
    };

/**
 * Everything the policy remembers between reads: plain numbers only, so it survives JSON (workflow history,
 * continue-as-new input) unchanged. Progress is modelled in segments of constant rate; a stall, a speed-up
 * or progress going back starts a new segment from the current value.
 */
export interface PollState {
  /** Successful status reads so far, across continue-as-new. */
  reads: number;
  /** Transient failures since the last successful read. */
  errors: number;
  /** min(task createTime, first read): the server clock may run ahead of ours, but the task existed at our first read. */
  createdMs?: number;
  /** How many times the constant-rate model broke (0: still the first segment). */
  segment: number;
  /** Progress at which the current segment starts (0 for the first). */
  baseProgress: number;
  /** When the current segment began (task creation for the first); blind backoff grows with the time since. */
  sinceMs?: number;
  /** Latest instant known to be at or before the segment's work started (raised by reads that saw the task queued). */
  startLoMs?: number;
  /** Progress values seen in this segment (raw 0..100), oldest first; a few at most. */
  values: ValueSeen[];
  /** Reporting quantum of progress (see estimate.ts), undefined until a value above 0 is seen. */
  quantum?: number;
  /** The last successful read: the task was unfinished then. */
  lastReadMs?: number;
  /** What earlier runs of the same work say about this one (see Prior); set at the start, never changed. */
  prior?: Prior;
}

/**
 * A duration prior: how long earlier runs of the same work took, from task creation to the terminal status (for a
 * schedule, its recent runs; or a hint given by hand). The policy aims its first read near the expected finish
 * instead of backing off blind, and trusts a progress estimate sooner when it agrees with the prior.
 */
export interface Prior {
  /** Typical duration (ms), e.g. the median of recent runs. */
  expectedMs: number;
  /** Shortest recent duration (ms), when known; the first read aims before it. */
  shortestMs?: number;
  /**
   * The progress step (percent; 0: smooth) earlier runs reported (PollState.quantum at their end). Without it the
   * first value seen could be a step of any size dividing it, and the policy has to see a second step first.
   */
  quantum?: number;
}

/** The first read aims at most this fraction of the expected duration after creation: runs vary night to night. */
export const PRIOR_AIM_FRACTION = 0.8;

/**
 * How long after a fresh task's creation its first status read waits, given a prior: up to shortly before the
 * earliest finish the prior expects (0 without a prior). The read at creation tells little (0 %) and is skipped.
 */
export function firstReadDelayMs(prior: Prior | undefined, policy: PollPolicy): number {
  if (!prior) return 0;
  const early = Math.min(PRIOR_AIM_FRACTION * prior.expectedMs, prior.shortestMs ?? Infinity);
  return Math.max(0, Math.round(early - 0.8 * detectionToleranceMs(policy, early)));
}

/** A usable prior, or undefined: a hint that is not a positive finite number is ignored, never an error here. */
export function priorOf(expectedMs?: number, shortestMs?: number, quantum?: number | null): Prior | undefined {
  if (expectedMs === undefined || !Number.isFinite(expectedMs) || expectedMs <= 0) return undefined;
  const shortest = shortestMs !== undefined && Number.isFinite(shortestMs) && shortestMs > 0 ? shortestMs : undefined;
  const step = typeof quantum === 'number' && Number.isFinite(quantum) && quantum >= 0 && quantum < 100;
  return {
    expectedMs,
    ...(shortest !== undefined && { shortestMs: Math.min(shortest, expectedMs) }),
    ...(step && { quantum }),
  };
}

export const initialPollState = (prior?: Prior): PollState => ({
  reads: 0,
  errors: 0,
  segment: 0,
  baseProgress: 0,
  values: [],
  ...(prior && { prior }),
  ...(prior?.quantum !== undefined && { quantum: prior.quantum }),
});

/** Below this many samples, finished/total is no finer than a whole percent; the percentage is used instead. */
export const MIN_SAMPLE_TOTAL = 200;

/**
 * The progress (0..100) the policy models: finished/total when the task reports more than MIN_SAMPLE_TOTAL samples
 * consistently (a finer quantum than a whole percent, so a 24-hour task shows movement in seconds, not 14 minutes),
 * else the reported percentage.
 */
export function progressOf(obs: { progress: number; finishedSampleCount?: number; totalSampleCount?: number }): number {
  const percent = Number.isFinite(obs.progress) ? clamp(obs.progress, 0, 100) : 0;
  const { finishedSampleCount: done, totalSampleCount: total } = obs;
  if (
    total === undefined ||
    done === undefined ||
    !Number.isFinite(total) ||
    !Number.isFinite(done) ||
    total < MIN_SAMPLE_TOTAL ||
    done < 0 ||
    done > total ||
    percent >= 100
  )
    return percent;
  return (100 * done) / total;
}

export type DelayReason = 'eta' | 'backoff' | 'retry-after' | 'error-backoff' | 'tolerance' | 'prior';

export interface Decision {
  delayMs: number;
  reason: DelayReason;
  /** Latest finish consistent with the progress seen (epoch ms), when progress allows an estimate. */
  etaMs?: number;
  state: PollState;
}

/** Values kept per segment: the first (the baseline, usually the last read before progress moved) and the latest. */
const MAX_VALUES = 6;

/**
 * The read (if any) showing the segment's base value, and whether the work may have (re)started at any time
 * after it: when the base value was seen by several reads, progress sat still, and nothing says when it moved
 * again (a setup phase at 0 %, a stall). When one read saw it, progress was already moving through it.
 */
function baseOf(state: PollState): { base?: ValueSeen; restartUnknown: boolean } {
  const base = state.values[0];
  if (base?.progress !== state.baseProgress) return { restartUnknown: true };
  return { base, restartUnknown: base.firstMs < base.lastMs };
}

/** The finish window of the current segment, from the state alone. */
function windowOf(state: PollState): ReturnType<typeof finishWindow> {
  const { baseProgress, startLoMs, lastReadMs } = state;
  if (startLoMs === undefined || lastReadMs === undefined || baseProgress >= 100) return undefined;
  const scale = 100 / (100 - baseProgress);
  const { base, restartUnknown } = baseOf(state);
  return finishWindow({
    startLoMs,
    ...(base && !restartUnknown && { startHiMs: base.lastMs }),
    values: state.values.map((v) => ({ ...v, progress: (v.progress - baseProgress) * scale })),
    quantum: (state.quantum ?? 0) * scale,
    unfinishedAtMs: lastReadMs,
  });
}

/**
 * Latest finish (epoch ms) consistent with the progress seen so far, for progress displays; undefined while
 * progress has not moved (or has just stalled). With smooth progress this is the finish time itself.
 */
export function etaMs(state: PollState): number | undefined {
  const w = windowOf(state);
  return typeof w === 'object' ? w.latestMs : undefined;
}

/**
 * Where the prior puts the first aimed read (epoch ms): before the earlier of PRIOR_AIM_FRACTION × expected and the
 * shortest recent run, less the detection budget, so a run a bit faster than its history is still seen in time.
 */
function priorAimMs(state: PollState, policy: PollPolicy): number | undefined {
  const { prior, createdMs } = state;
  if (!prior || createdMs === undefined) return undefined;
  return createdMs + firstReadDelayMs(prior, policy);
}

/**
 * Whether the progress window [lo, hi] agrees with the prior (the finish it implies lies between the aim point and
 * (2 − PRIOR_AIM_FRACTION) × expected): two independent estimates agreeing is enough to land without first
 * checking the rate with an approach read.
 */
function agreesWithPrior(state: PollState, lo: number, hi: number): boolean {
  const { prior, createdMs, segment } = state;
  if (!prior || createdMs === undefined || segment > 0) return false;
  const early = Math.min(PRIOR_AIM_FRACTION * prior.expectedMs, prior.shortestMs ?? Infinity);
  return lo >= createdMs + early && hi <= createdMs + (2 - PRIOR_AIM_FRACTION) * prior.expectedMs;
}

/** clamp(fraction × estimated duration, minMs, maxMs). */
export function detectionToleranceMs(policy: PollPolicy, estimatedDurationMs: number): number {
  const { fraction, minMs, maxMs } = policy.detectionTolerance;
  return clamp(fraction * estimatedDurationMs, minMs, maxMs);
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * How long to sleep before the next status read, given the read that just happened (or failed).
 * `remainingMs` (time left until the run's deadline), when given, bounds the delay so the last read
 * happens at the deadline rather than after it.
 */
export function nextDelay(
  state: PollState,
  observation: Observation,
  policy: PollPolicy,
  random: () => number,
  remainingMs?: number,
): Decision {
  const decision = observation.transient
    ? onFailure(state, observation.retryAfterMs, policy, random)
    : onRead(state, observation, policy, random);
  if (remainingMs !== undefined && !Number.isNaN(remainingMs)) {
    decision.delayMs = Math.min(decision.delayMs, Math.max(0, remainingMs));
  }
  decision.delayMs = Math.round(decision.delayMs);
  return decision;
}

/** The longest single sleep the policy can choose by itself (blind, aimed at an estimate, or after errors). */
export function longestDelayMs(policy: PollPolicy): number {
  return Math.max(policy.maxDelayMs, policy.maxEtaDelayMs, policy.errorBackoff.maxMs, policy.minDelayMs);
}

function onFailure(
  state: PollState,
  retryAfterMs: number | undefined,
  policy: PollPolicy,
  random: () => number,
): Decision {
  const errors = state.errors + 1;
  const { initialMs, maxMs, multiplier } = policy.errorBackoff;
  const ceiling = Math.min(maxMs, initialMs * multiplier ** (errors - 1));
  // Full jitter: many workflows throttled together spread out instead of retrying in lockstep.
  const jittered = Math.max(policy.minDelayMs, random() * ceiling);
  const eta = etaMs(state);
  const base = { state: { ...state, errors }, ...(eta !== undefined && { etaMs: eta }) };
  // Retry-After is the server saying when it will answer: never earlier, even above our own caps, but not beyond
  // the longest delay this policy would ever sleep (a server asking for years is broken, not busy).
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= jittered) {
    return { ...base, delayMs: Math.min(retryAfterMs, longestDelayMs(policy)), reason: 'retry-after' };
  }
  return { ...base, delayMs: jittered, reason: 'error-backoff' };
}

/** A new constant-rate segment whose base is `values[0]`; blind backoff grows from when that value was first seen. */
const newSegment = (state: PollState, values: ValueSeen[]): PollState => {
  const base = values[0]!;
  return {
    ...state,
    segment: state.segment + 1,
    baseProgress: base.progress,
    sinceMs: base.firstMs,
    startLoMs: base.firstMs,
    values,
  };
};

/** Whether progress between the last two values was slower than between the two before (each as fast as it can be). */
function slowedDown(values: ValueSeen[]): boolean {
  const [a, b, c] = values.slice(-3);
  if (!a || !b || !c) return false;
  const before = (b.progress - a.progress) / Math.max(1, b.firstMs - a.lastMs);
  const since = (c.progress - b.progress) / Math.max(1, c.firstMs - b.lastMs);
  return since < before;
}

/** Records the read in the state; returns the new state. */
function record(
  prev: PollState,
  obs: Extract<Observation, { nowMs: number }>,
  progress: number,
  queued: boolean,
): PollState {
  const now = obs.nowMs;
  const createdMs = prev.createdMs ?? (Number.isFinite(obs.createTimeMs) ? Math.min(obs.createTimeMs, now) : now);
  const state: PollState = {
    ...prev,
    reads: prev.reads + 1,
    errors: 0,
    createdMs,
    sinceMs: prev.sinceMs ?? createdMs,
    // A queued read proves the work had not started yet; progress 0 while running proves nothing (stepwise).
    startLoMs: Math.max(prev.startLoMs ?? createdMs, queued ? now : createdMs),
    lastReadMs: now,
    quantum: nextQuantum(prev.quantum, progress),
  };
  const last = state.values[state.values.length - 1];
  // Progress went back (a new phase, or a reset): earlier reads say nothing about the rest. Float noise is not a reset.
  if (last && progress < last.progress - 1e-6) return newSegment(state, [{ progress, firstMs: now, lastMs: now }]);
  if (last && progress <= last.progress) {
    state.values = [...state.values.slice(0, -1), { ...last, lastMs: now }];
  } else if (!queued) {
    const values = [...state.values, { progress, firstMs: now, lastMs: now }];
    state.values = values.length > MAX_VALUES ? [values[0]!, ...values.slice(2)] : values;
  }
  return state;
}

function onRead(
  prev: PollState,
  obs: Extract<Observation, { nowMs: number }>,
  policy: PollPolicy,
  random: () => number,
): Decision {
  const now = obs.nowMs;
  const progress = progressOf(obs);
  let state = record(prev, obs, progress, obs.queued === true && progress === 0);
  const createdMs = state.createdMs ?? now;
  const decide = (delayMs: number, reason: DelayReason, cap: number, eta?: number): Decision => ({
    delayMs: clamp(delayMs, policy.minDelayMs, cap),
    reason,
    ...(eta !== undefined && { etaMs: eta }),
    state,
  });
  // Blind growth: delays grow with the time since `fromMs` (a geometric series, i.e. exponential per read), so a
  // task we reattach to after hours is not polled every second; capped at maxDelayMs.
  const blind = (fromMs: number, floorMs: number): number =>
    Math.min(policy.maxDelayMs, Math.max(floorMs, (policy.multiplier - 1) * (now - fromMs)));

  if (progress >= 100) {
    // Reported done but not terminal yet (finalising): tolerance-sized reads, growing with the wait, capped.
    const since = state.values.find((v) => v.progress >= 100)?.firstMs ?? now;
    return decide(blind(since, detectionToleranceMs(policy, now - createdMs)), 'tolerance', policy.maxDelayMs);
  }

  let window = windowOf(state);
  if (window === 'inconsistent') {
    // No constant rate fits the reads: the task slowed down, stalled or sped up. After a speed-up, keep the last
    // two values (the local rate). After a stall or a slowdown, keep the latest value alone: the rate since the
    // previous read averages over a stall of unknown length, and trusting it could sleep far past a finish that
    // comes with a jump (30 % → 100 %). Blind reads then run until progress moves again.
    const moved = state.values.length > 1 && state.values[state.values.length - 1]!.firstMs === now;
    state = newSegment(state, state.values.slice(moved && !slowedDown(state.values) ? -2 : -1));
    window = windowOf(state);
    if (window === 'inconsistent') window = undefined;
  }
  if (window === undefined) {
    // No useful progress yet, but earlier runs say when this one should end: sleep until shortly before that
    // (aiming before the shortest recent run, less the tolerance), rather than read blind. Only before progress
    // was ever seen (segment 0) and only once: a read at or past the aim falls back to blind reads.
    const aim = priorAimMs(state, policy);
    if (state.segment === 0 && aim !== undefined && aim - now >= policy.minDelayMs) {
      return { delayMs: aim - now, reason: 'prior', state };
    }
    // No useful progress. Jitter only while growing: at the cap reads stay exactly maxDelayMs apart, never
    // closer, so there are never more reads than a jitter-free exponential schedule with the same cap.
    // After the model broke (a stall), the first reads are tolerance-sized: the finish may be imminent.
    const floor = state.segment === 0 ? policy.initialDelayMs : detectionToleranceMs(policy, now - createdMs);
    const grown = blind(state.sinceMs ?? createdMs, floor);
    const reason = state.segment > 0 && grown === floor && grown < policy.maxDelayMs ? 'tolerance' : 'backoff';
    return decide(
      grown >= policy.maxDelayMs ? grown : grown * (1 - policy.jitter * random()),
      reason,
      policy.maxDelayMs,
    );
  }

  const { earliestMs: lo, latestMs: hi } = window;
  const tolerance = detectionToleranceMs(policy, Math.max(lo, now) - createdMs);
  // Reads are planned to come within 80 % of the tolerance after the finish: the rest is left for the read itself
  // (activity scheduling and the HTTP round trip happen after the timer fires). Landing reads aim a small margin
  // after the latest estimate rather than at it, so rounding never puts them a hair early.
  const budget = 0.8 * tolerance;
  const margin = 0.1 * tolerance;
  const { base, restartUnknown } = baseOf(state);
  const moving = base ? state.values.slice(1) : state.values;
  // How long progress has been seen moving: landing extrapolates at most this far ahead, so a rate measured over
  // seconds is checked by an approach read before a six-hour sleep trusts it.
  const observedMs = now - (moving[0]?.firstMs ?? now);
  if (hi - lo + margin <= budget && (hi - now <= observedMs || agreesWithPrior(state, lo, hi))) {
    // Land: just after the latest possible finish, which is within the tolerance of the earliest.
    return decide(hi + margin - now, 'eta', policy.maxEtaDelayMs, hi);
  }
  // Approach: the latest read that still detects a finish inside the window within the tolerance (reading at
  // `lo` + tolerance either sees the task done, or sees progress that narrows the window), but never more than
  // approachFraction of the way to `hi`, in case the rate is not as constant as the model assumes.
  let next = Math.max(lo, now) + budget;
  let reason: DelayReason = lo <= now ? 'tolerance' : 'eta';
  if (base && restartUnknown && moving.length === 1) {
    // One value above a base that sat still: the rate is unknown (the work may have restarted at any point since
    // the last read at the base, so `lo` is just "now"). Measure it with a blind-sized step.
    next = Math.max(next, now + blind(base.lastMs, policy.minDelayMs));
    reason = 'eta';
  }
  if (now + policy.approachFraction * (hi - now) < next) {
    next = now + policy.approachFraction * (hi - now);
    reason = 'eta';
  }
  // Once the model has broken, never sleep longer than the task has existed: a task that stalled and then
  // jumped (30 % → 100 %) must not be slept past for hours on the strength of its average rate.
  if (state.segment > 0) next = Math.min(next, now + (now - createdMs));
  return decide(next - now, reason, policy.maxEtaDelayMs, hi);
}

/**
 * How long to wait before trying a create again that the service refused as busy (another operation on the dataset
 * is under way): the blind schedule of status reads (initialDelayMs growing by `multiplier` up to maxDelayMs, with
 * jitter while growing), for the `attempt`-th refusal in a row (1-based). Pure: the workflow passes its Math.random.
 */
export function busyDelayMs(attempt: number, policy: PollPolicy, random: () => number): number {
  const grown = policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1);
  if (grown >= policy.maxDelayMs) return policy.maxDelayMs;
  return Math.round(Math.max(policy.minDelayMs, grown * (1 - policy.jitter * random())));
}
