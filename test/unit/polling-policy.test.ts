import { finishWindow, nextQuantum } from '../../src/polling/estimate.js';
import {
  busyDelayMs,
  DEFAULT_POLICY,
  etaMs,
  READ_AFTER_WRITE_GRACE_MS,
  readAfterWriteGraceOf,
  firstReadDelayMs,
  initialPollState,
  priorOf,
  progressOf,
  nextDelay,
  validatePolicy,
  withDefaults,
  type Observation,
  type PollState,
} from '../../src/polling/policy.js';
import { progressAt, stepwise, linear, withSamples, type ProgressShape } from '../../src/polling/progress-curves.js';
import { mulberry32, simulatePolling } from '../../src/polling/replay.js';

const T0 = 1_700_000_000_000;
const never = (): number => 0; // jitter draws at the bottom of their range...
const always = (): number => 0.999_999; // ...and at the top
const read = (tMs: number, progress = 0, extra: Partial<Observation> = {}): Observation => ({
  progress,
  createTimeMs: T0,
  nowMs: T0 + tMs,
  ...extra,
});

/** Drives the policy over a task with no progress and returns the delays it chose. */
function blindDelays(reads: number, random: () => number): number[] {
  let state = initialPollState();
  let t = 0;
  const delays: number[] = [];
  for (let i = 0; i < reads; i++) {
    const d = nextDelay(state, read(t), DEFAULT_POLICY, random);
    expect(d.reason).toBe('backoff');
    delays.push(d.delayMs);
    state = d.state;
    t += d.delayMs;
  }
  return delays;
}

describe('blind backoff (no useful progress)', () => {
  it('starts at initialDelayMs, grows geometrically and stops exactly at maxDelayMs', () => {
    const delays = blindDelays(20, never);
    expect(delays[0]).toBe(DEFAULT_POLICY.initialDelayMs);
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
    // Each delay is (multiplier − 1) × the task's age, so read times grow by ×multiplier.
    expect(delays[1]).toBe(Math.round((DEFAULT_POLICY.multiplier - 1) * delays[0]!));
    expect(Math.max(...delays)).toBe(DEFAULT_POLICY.maxDelayMs);
    expect(delays.slice(-5)).toEqual(Array(5).fill(DEFAULT_POLICY.maxDelayMs));
  });

  it('jitters only while growing, downwards by at most `jitter`, never at the cap', () => {
    const plain = blindDelays(20, never);
    const jittered = blindDelays(20, always);
    expect(jittered[0]).toBe(Math.round(DEFAULT_POLICY.initialDelayMs * (1 - DEFAULT_POLICY.jitter * 0.999_999)));
    expect(jittered.slice(-5)).toEqual(Array(5).fill(DEFAULT_POLICY.maxDelayMs));
    expect(plain.slice(-5)).toEqual(Array(5).fill(DEFAULT_POLICY.maxDelayMs));
  });

  it('never reads more often than the exponential reference (1 s × 1.25, 60 s cap), even with worst-case jitter', () => {
    const ours = blindDelays(60, always);
    let oursAt = 0;
    let refAt = 0;
    for (let i = 0; i < ours.length; i++) {
      oursAt += ours[i]!;
      refAt += Math.min(60_000, 1_000 * 1.25 ** i);
      expect(oursAt).toBeGreaterThanOrEqual(refAt); // the i-th read comes no earlier than the reference's i-th
    }
  });

  it('a task reattached to after hours is read at the cap straight away', () => {
    const d = nextDelay(
      initialPollState(),
      { progress: 0, createTimeMs: T0, nowMs: T0 + 3 * 3_600_000 },
      DEFAULT_POLICY,
      never,
    );
    expect(d.delayMs).toBe(DEFAULT_POLICY.maxDelayMs);
  });
});

describe('transient failures', () => {
  const fail = (state: PollState, random: () => number, retryAfterMs?: number, remainingMs?: number) =>
    nextDelay(
      state,
      { transient: true, ...(retryAfterMs !== undefined && { retryAfterMs }) },
      DEFAULT_POLICY,
      random,
      remainingMs,
    );

  it('use full jitter in [minDelayMs, min(cap, initial × multiplier^(n−1))], growing with consecutive failures', () => {
    const { initialMs, maxMs, multiplier } = DEFAULT_POLICY.errorBackoff;
    let state = initialPollState();
    for (let n = 1; n <= 12; n++) {
      const ceiling = Math.min(maxMs, initialMs * multiplier ** (n - 1));
      expect(fail(state, always).delayMs).toBe(Math.round(0.999_999 * ceiling));
      expect(fail(state, never).delayMs).toBe(DEFAULT_POLICY.minDelayMs);
      const random = mulberry32(n);
      for (let i = 0; i < 50; i++) {
        const d = fail(state, random).delayMs;
        expect(d).toBeGreaterThanOrEqual(DEFAULT_POLICY.minDelayMs);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
      const next = fail(state, never);
      expect(next.reason).toBe('error-backoff');
      expect(next.state.errors).toBe(n);
      state = next.state;
    }
    // A successful read resets the count.
    expect(nextDelay(state, read(0), DEFAULT_POLICY, never).state.errors).toBe(0);
  });

  it('honour Retry-After exactly or later, even above the backoff cap', () => {
    const state = initialPollState();
    expect(fail(state, never, 30_000)).toMatchObject({ delayMs: 30_000, reason: 'retry-after' });
    expect(fail(state, always, 120_000)).toMatchObject({ delayMs: 120_000, reason: 'retry-after' });
    // A short Retry-After under a longer jittered backoff: the backoff wins, which is still "not earlier".
    let s = state;
    for (let n = 0; n < 6; n++) s = fail(s, never).state;
    const d = fail(s, always, 1_500);
    expect(d.delayMs).toBeGreaterThanOrEqual(1_500);
    expect(d.reason).toBe('error-backoff');
  });

  it('keep the progress model: a failure does not change the estimate', () => {
    let state = initialPollState();
    state = nextDelay(state, read(0), DEFAULT_POLICY, never).state;
    state = nextDelay(state, read(2_000, 2_000 / 36_000), DEFAULT_POLICY, never).state;
    state = nextDelay(state, read(4_000, 4_000 / 36_000), DEFAULT_POLICY, never).state;
    const failed = fail(state, never);
    expect(failed.etaMs).toBe(etaMs(state));
    expect({ ...failed.state, errors: 0 }).toEqual(state);
  });
});

describe('deadline', () => {
  it('clamps every kind of delay to the remaining time, below minDelayMs and to 0 when past', () => {
    expect(nextDelay(initialPollState(), read(0), DEFAULT_POLICY, never, 500).delayMs).toBe(500);
    expect(nextDelay(initialPollState(), read(0), DEFAULT_POLICY, never, -10).delayMs).toBe(0);
    expect(nextDelay(initialPollState(), read(0), DEFAULT_POLICY, never, 3_600_000).delayMs).toBe(2_000);
    expect(
      nextDelay(initialPollState(), { transient: true, retryAfterMs: 90_000 }, DEFAULT_POLICY, never, 10_000),
    ).toMatchObject({ delayMs: 10_000, reason: 'retry-after' });
  });
});

/** Feeds reads of `shape` at the given times and returns the final state. */
function feed(shape: ProgressShape, durationMs: number, timesMs: number[], queuedMs = 0): PollState {
  let state = initialPollState();
  for (const t of timesMs) {
    const queued = t < queuedMs;
    const progress = queued ? 0 : progressAt(shape, t - queuedMs, durationMs);
    state = nextDelay(state, read(t, progress, { queued }), DEFAULT_POLICY, never).state;
  }
  return state;
}

describe('finish estimate', () => {
  it('is exact for linear progress after two reads', () => {
    const state = feed(linear, 3_600_000, [0, 2_000, 4_000]);
    expect(Math.abs(etaMs(state)! - (T0 + 3_600_000))).toBeLessThan(1_000);
  });

  it('is exact for linear progress after a queue, once two running reads are in', () => {
    const state = feed(linear, 600_000, [0, 30_000, 60_000, 97_337, 131_771], 90_000);
    expect(Math.abs(etaMs(state)! - (T0 + 90_000 + 600_000))).toBeLessThan(1_000);
  });

  it('copes with an unknown createTime (NaN): the first read stands in for it', () => {
    let state = initialPollState();
    for (const t of [0, 2_000, 4_000]) {
      state = nextDelay(
        state,
        { progress: (100 * t) / 600_000, createTimeMs: Number.NaN, nowMs: T0 + t },
        DEFAULT_POLICY,
        never,
      ).state;
    }
    expect(Math.abs(etaMs(state)! - (T0 + 600_000))).toBeLessThan(1_000);
    expect(JSON.stringify(state)).not.toContain('null');
  });

  it('is not skewed by a server clock running ahead (createTime after our first read)', () => {
    let state = initialPollState();
    for (const t of [0, 2_000, 4_000]) {
      state = nextDelay(
        state,
        { progress: (100 * t) / 600_000, createTimeMs: T0 + 5_000, nowMs: T0 + t },
        DEFAULT_POLICY,
        never,
      ).state;
    }
    expect(Math.abs(etaMs(state)! - (T0 + 600_000))).toBeLessThan(1_000);
  });

  it('never falls before the real finish for stepwise progress, and tightens as steps are seen', () => {
    const finish = T0 + 3_600_000;
    const early = feed(stepwise(100), 3_600_000, [0, 2_000, 30_000, 40_000, 80_000]);
    const late = feed(stepwise(100), 3_600_000, [0, 2_000, 30_000, 40_000, 80_000, 3_000_000, 3_400_000, 3_420_000]);
    expect(etaMs(early)!).toBeGreaterThanOrEqual(finish);
    expect(etaMs(late)!).toBeGreaterThanOrEqual(finish);
    expect(etaMs(late)! - finish).toBeLessThan(etaMs(early)! - finish);
    expect(etaMs(late)! - finish).toBeLessThan(60_000);
  });

  it('has no estimate while progress is 0, and reports it in the decision once it has one', () => {
    expect(etaMs(feed(linear, 600_000, [0]))).toBeUndefined();
    const state = feed(linear, 600_000, [0, 2_000]);
    const d = nextDelay(state, read(4_000, (100 * 4_000) / 600_000), DEFAULT_POLICY, never);
    expect(d.etaMs).toBeCloseTo(T0 + 600_000, -3);
    expect(d.reason).toBe('eta');
  });

  it('starts over when progress stalls, reads like capped blind backoff while stuck, and lands once it moves', () => {
    // 1 % a minute, stuck at 10 % from minute 10 to hour 3, then 1 % a minute again: finishes at 4 h 30 min.
    const resumeAt = 3 * 3_600_000;
    const finishAt = resumeAt + 90 * 60_000;
    const shape = (t: number): number => (t < resumeAt ? Math.min(10, t / 60_000) : 10 + (t - resumeAt) / 60_000);
    let state = initialPollState();
    let t = 0;
    const stuck: { delayMs: number; reason: string }[] = [];
    let readsAfterResume = 0;
    while (t < finishAt) {
      const d = nextDelay(state, read(t, shape(t)), DEFAULT_POLICY, never);
      if (d.state.baseProgress === 10 && shape(t) === 10) stuck.push(d);
      if (t > resumeAt) readsAfterResume++;
      state = d.state;
      t += d.delayMs;
    }
    expect(stuck.length).toBeGreaterThan(20);
    expect(Math.max(...stuck.map((d) => d.delayMs))).toBe(DEFAULT_POLICY.maxDelayMs);
    expect(stuck.every((d) => d.reason === 'backoff' || d.reason === 'tolerance')).toBe(true);
    expect(stuck.slice(-3).map((d) => d.reason)).toEqual(['backoff', 'backoff', 'backoff']);
    // After the stall the new rate is measured and the finish is approached like a fresh task.
    expect(readsAfterResume + 1).toBeLessThanOrEqual(10);
    expect(t - finishAt).toBeLessThanOrEqual(60_000);
  });
});

describe('finish window (estimate.ts)', () => {
  const at = (progress: number, firstMs: number, lastMs = firstMs) => ({ progress, firstMs, lastMs });

  it('collapses to the finish for smooth progress and brackets it for stepwise progress', () => {
    const smooth = finishWindow({ startLoMs: 0, values: [at(10, 100), at(20, 200)], quantum: 0, unfinishedAtMs: 200 });
    expect(smooth).toEqual({ earliestMs: expect.closeTo(1_000, 0), latestMs: expect.closeTo(1_000, 0) });
    // Saw 0 % until 90 ms, 10 % from 110 ms, quantum 10: the 10 % step came in (90, 110], so finish in (900, 1100].
    const steps = finishWindow({
      startLoMs: 0,
      startHiMs: 0,
      values: [at(0, 0, 90), at(10, 110)],
      quantum: 10,
      unfinishedAtMs: 110,
    });
    expect(steps).toEqual({ earliestMs: expect.closeTo(900, 0), latestMs: expect.closeTo(1_100, 0) });
  });

  it('reports inconsistent reads (no constant rate fits) and an unbounded window before progress moves', () => {
    // 10 % by 100 ms but only 20 % by 300 ms: a constant rate would have started before startLo.
    expect(finishWindow({ startLoMs: 0, values: [at(10, 100), at(20, 300)], quantum: 0, unfinishedAtMs: 300 })).toBe(
      'inconsistent',
    );
    expect(finishWindow({ startLoMs: 0, values: [at(0, 0, 500)], quantum: 0, unfinishedAtMs: 500 })).toBeUndefined();
  });

  it('infers the reporting quantum as a float gcd, and gives up on smooth values', () => {
    expect(nextQuantum(undefined, 0)).toBeUndefined();
    expect(nextQuantum(nextQuantum(undefined, 3), 6)).toBe(3);
    expect(nextQuantum(nextQuantum(undefined, 0.3), 0.1)).toBeCloseTo(0.1, 9);
    expect(nextQuantum(nextQuantum(undefined, 100 / 3), 200 / 3)).toBeCloseTo(100 / 3, 9);
    expect(nextQuantum(nextQuantum(undefined, 10 / 3), 53.123456789)).toBe(0);
    expect(nextQuantum(0, 10)).toBe(0);
    expect(nextQuantum(5, 100)).toBe(5);
  });
});

describe('state across continue-as-new', () => {
  it('round-trips through JSON at every step without changing a single decision', () => {
    for (const shape of [linear, stepwise(20)]) {
      const direct = mulberry32(7);
      const viaJson = mulberry32(7);
      let a = initialPollState();
      let b = initialPollState();
      let t = 0;
      for (let i = 0; i < 40 && t < 3_600_000; i++) {
        const obs: Observation =
          i % 7 === 3 ? { transient: true, retryAfterMs: 1_000 } : read(t, progressAt(shape, t, 3_600_000));
        const da = nextDelay(a, obs, DEFAULT_POLICY, direct);
        const db = nextDelay(JSON.parse(JSON.stringify(b)) as PollState, obs, DEFAULT_POLICY, viaJson);
        expect(db).toEqual(da);
        expect(JSON.stringify(db.state)).not.toContain('null');
        a = da.state;
        b = db.state;
        t += da.delayMs;
      }
    }
  });
});

describe('validatePolicy', () => {
  it('accepts the defaults and partial overrides merged over them', () => {
    expect(validatePolicy(DEFAULT_POLICY)).toEqual([]);
    expect(
      validatePolicy(withDefaults({ maxDelayMs: 300_000, detectionTolerance: { fraction: 0.05, minMs: 1, maxMs: 2 } })),
    ).toEqual([]);
  });

  it('names each bad field', () => {
    expect(validatePolicy(null)).toEqual(['policy must be an object']);
    expect(validatePolicy({ ...DEFAULT_POLICY, maxDelayMs: undefined })).toEqual([
      'maxDelayMs must be a finite number',
    ]);
    expect(validatePolicy({ ...DEFAULT_POLICY, multiplier: 0.5 })).toEqual(['multiplier must be >= 1 (got 0.5)']);
    expect(validatePolicy({ ...DEFAULT_POLICY, minDelayMs: 0 })).toEqual(['minDelayMs must be > 0 (got 0)']);
    expect(validatePolicy({ ...DEFAULT_POLICY, jitter: 2 })).toEqual(['jitter must be <= 1 (got 2)']);
    expect(validatePolicy({ ...DEFAULT_POLICY, approachFraction: 1 })).toEqual([
      'approachFraction must be < 1 (got 1)',
    ]);
    expect(validatePolicy({ ...DEFAULT_POLICY, initialDelayMs: Number.NaN })).toEqual([
      'initialDelayMs must be a finite number',
    ]);
    expect(validatePolicy({ ...DEFAULT_POLICY, maxDelayMs: 500 })).toEqual([
      'maxDelayMs must be >= minDelayMs (500 < 1000)',
      'initialDelayMs must be <= maxDelayMs (2000 > 500)',
    ]);
    expect(validatePolicy({ ...DEFAULT_POLICY, maxEtaDelayMs: 1_000 })).toEqual([
      'maxEtaDelayMs must be >= maxDelayMs (1000 < 60000)',
    ]);
    expect(validatePolicy({ ...DEFAULT_POLICY, detectionTolerance: { fraction: 0, minMs: 5, maxMs: 1 } })).toEqual([
      'detectionTolerance.fraction must be > 0 (got 0)',
      'detectionTolerance.maxMs must be >= detectionTolerance.minMs (1 < 5)',
    ]);
    expect(validatePolicy({ ...DEFAULT_POLICY, errorBackoff: 'fast' })).toEqual(['errorBackoff must be an object']);
    expect(validatePolicy({ ...DEFAULT_POLICY, errorBackoff: { initialMs: '1s', maxMs: 10, multiplier: 2 } })).toEqual([
      'errorBackoff.initialMs must be a finite number',
    ]);
  });
});

describe('a duration prior from earlier runs', () => {
  const HOUR = 3_600_000;

  it('ignores a prior that is not a positive number, and keeps the shortest run at most the expected one', () => {
    expect(priorOf(undefined)).toBeUndefined();
    expect(priorOf(0)).toBeUndefined();
    expect(priorOf(Number.NaN)).toBeUndefined();
    expect(priorOf(HOUR, 2 * HOUR)).toEqual({ expectedMs: HOUR, shortestMs: HOUR });
    expect(firstReadDelayMs(undefined, DEFAULT_POLICY)).toBe(0);
  });

  it('starts from the progress step earlier runs saw, so a first value of 72 % is not taken for a 72 % step', () => {
    expect(initialPollState(priorOf(HOUR, undefined, 1)).quantum).toBe(1);
    expect(initialPollState(priorOf(HOUR, undefined, 0)).quantum).toBe(0);
    expect(initialPollState(priorOf(HOUR, undefined, null)).quantum).toBeUndefined();
    expect(initialPollState(priorOf(HOUR, undefined, 150)).quantum).toBeUndefined();
    // 24 h of whole-percent steps, runs of 21.8 to 26 h against a 24 h prior: a first value of 80 followed by 82
    // looks like 2 % steps unless the step is known, and wider windows cost reads.
    const run = (seed: number, step?: number) =>
      simulatePolling(DEFAULT_POLICY, {
        durationMs: 24 * HOUR * (0.9 + 0.01 * seed),
        shape: stepwise(100),
        seed,
        prior: priorOf(24 * HOUR, 22 * HOUR, step)!,
      });
    const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
    const known = seeds.map((seed) => run(seed, 1));
    const unknown = seeds.map((seed) => run(seed));
    const total = (runs: typeof known) => runs.reduce((sum, r) => sum + r.reads, 0);
    expect(total(known)).toBeLessThan(total(unknown));
    for (const r of known) expect(r.detectionDelayMs).toBeLessThanOrEqual(60_000);
  });

  it('aims the first read before the earliest expected finish, less the detection budget', () => {
    // 0.8 × 1 h = 48 min; the shortest run (50 min) is later, so 48 min less 80 % of the 57.6 s tolerance.
    expect(firstReadDelayMs(priorOf(HOUR, 50 * 60_000), DEFAULT_POLICY)).toBe(48 * 60_000 - Math.round(0.8 * 57_600));
    expect(firstReadDelayMs(priorOf(HOUR, 30 * 60_000), DEFAULT_POLICY)).toBe(30 * 60_000 - 0.8 * 36_000);
  });

  it('a read that shows no progress before the aim sleeps until the aim instead of backing off blind', () => {
    const state = initialPollState(priorOf(HOUR));
    const d = nextDelay(state, read(0), DEFAULT_POLICY, never);
    expect(d.reason).toBe('prior');
    expect(d.delayMs).toBe(firstReadDelayMs(priorOf(HOUR), DEFAULT_POLICY));
    // Past the aim, with still no progress, the blind cap applies (the no-progress target holds).
    const late = nextDelay(d.state, read(d.delayMs + 1_000), DEFAULT_POLICY, never);
    expect(late.reason).toBe('backoff');
    expect(late.delayMs).toBeLessThanOrEqual(DEFAULT_POLICY.maxDelayMs);
  });

  it('a recurring 6 h export with linear progress is seen within its target in 3 reads (4+ without the prior)', () => {
    for (const durationMs of [5.5 * HOUR, 6 * HOUR, 6.5 * HOUR]) {
      for (const seed of [1, 2, 3]) {
        const withPrior = simulatePolling(DEFAULT_POLICY, {
          durationMs,
          shape: linear,
          seed,
          prior: priorOf(6 * HOUR)!,
        });
        const without = simulatePolling(DEFAULT_POLICY, { durationMs, shape: linear, seed });
        expect(withPrior.reads).toBeLessThanOrEqual(3);
        expect(without.reads).toBeGreaterThan(withPrior.reads);
        expect(withPrior.detectionDelayMs).toBeLessThanOrEqual(60_000);
      }
    }
  });

  it('a run slower than its prior still ends within the target; one much faster is seen at the first read', () => {
    const slow = simulatePolling(DEFAULT_POLICY, {
      durationMs: 2 * HOUR,
      shape: stepwise(100),
      seed: 4,
      prior: priorOf(HOUR)!,
    });
    expect(slow.detectionDelayMs).toBeLessThanOrEqual(60_000);
    const fast = simulatePolling(DEFAULT_POLICY, {
      durationMs: HOUR / 4,
      shape: linear,
      seed: 4,
      prior: priorOf(HOUR)!,
    });
    // The price of a wrong prior: the first read comes at the prior's aim, so the finish is seen late, once.
    expect(fast.reads).toBe(1);
  });
});

describe('sample counts finer than the percentage', () => {
  it('uses finished/total when there are enough samples and they are consistent, else the percentage', () => {
    expect(progressOf({ progress: 3, finishedSampleCount: 347, totalSampleCount: 10_000 })).toBeCloseTo(3.47, 10);
    expect(progressOf({ progress: 3, finishedSampleCount: 3, totalSampleCount: 100 })).toBe(3); // not finer
    expect(progressOf({ progress: 3, finishedSampleCount: 20_000, totalSampleCount: 10_000 })).toBe(3); // inconsistent
    expect(progressOf({ progress: 3 })).toBe(3);
    expect(progressOf({ progress: 100, finishedSampleCount: 9_990, totalSampleCount: 10_000 })).toBe(100);
  });

  it('a 24 h export with whole-percent progress and 10,000 samples is seen within 60 s in at most 8 reads', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const withSamplesRun = simulatePolling(DEFAULT_POLICY, {
        durationMs: 24 * 3_600_000,
        shape: withSamples(10_000, 100),
        seed,
      });
      expect(withSamplesRun.reads).toBeLessThanOrEqual(8);
      expect(withSamplesRun.detectionDelayMs).toBeLessThanOrEqual(60_000);
      // The same task without the counts needs many blind reads before its first 1 % step (14.4 min).
      const percentOnly = simulatePolling(DEFAULT_POLICY, { durationMs: 24 * 3_600_000, shape: stepwise(100), seed });
      expect(percentOnly.reads).toBeGreaterThan(8);
    }
  });
});

describe('readAfterWriteGraceMs (the read-after-write grace after our own create)', () => {
  it('defaults to two minutes, also for a policy recorded before the field existed', () => {
    expect(DEFAULT_POLICY.readAfterWriteGraceMs).toBe(120_000);
    const { readAfterWriteGraceMs: _omitted, ...old } = DEFAULT_POLICY;
    expect(validatePolicy(old)).toEqual([]);
    expect(readAfterWriteGraceOf(old)).toBe(READ_AFTER_WRITE_GRACE_MS);
    expect(readAfterWriteGraceOf(withDefaults({ readAfterWriteGraceMs: 0 }))).toBe(0);
  });

  it.each([
    [-1, 'readAfterWriteGraceMs must be >= 0 (got -1)'],
    [Number.NaN, 'readAfterWriteGraceMs must be a finite number'],
    ['2m', 'readAfterWriteGraceMs must be a finite number'],
    [2 * 24 * 60 * 60_000, 'readAfterWriteGraceMs must be <= 86400000 (got 172800000)'],
  ])('rejects %p, naming the field', (value, message) => {
    expect(validatePolicy({ ...DEFAULT_POLICY, readAfterWriteGraceMs: value })).toEqual([message]);
  });
});

describe('busyDelayMs (waiting out a busy refusal)', () => {
  it('grows from initialDelayMs by the multiplier to maxDelayMs, jittered only while growing', () => {
    const p = withDefaults({ initialDelayMs: 2_000, multiplier: 2, maxDelayMs: 10_000, jitter: 0.5, minDelayMs: 100 });
    expect([1, 2, 3, 4, 5].map((n) => busyDelayMs(n, p, never))).toEqual([2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(busyDelayMs(1, p, always)).toBe(1_000);
    expect(busyDelayMs(9, p, always)).toBe(10_000);
  });

  it('never goes below minDelayMs', () => {
    const p = withDefaults({ initialDelayMs: 100, minDelayMs: 90, jitter: 1 });
    expect(busyDelayMs(1, p, always)).toBe(90);
  });
});
