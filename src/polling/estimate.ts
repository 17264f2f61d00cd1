/**
 * When can the task finish, given the progress reads so far?
 *
 * Model: the task works at a constant rate from an unknown start S for an unknown duration D, so its true
 * progress at t is 100·(t − S)/D, and it finishes at S + D. ModelArts reports that progress floored to some
 * quantum q (q = 0 for smooth progress): a read of p at t means p ≤ 100·(t − S)/D < p + q. Each read is thus
 * a pair of linear constraints on (S, D), and so are "S lies in [startLo, startHi]" and "still unfinished at the
 * last read". The finish window is the range of S + D over that small polygon, found by checking its corners.
 *
 * Why this instead of a single rate: it handles smooth progress (the window collapses to a point after two
 * reads), stepwise progress (the window narrows as steps are seen, and reads just before a step bound it from
 * below), and an uncertain start (queueing) in one piece of arithmetic; and an empty polygon is a clean signal
 * that the constant-rate model broke (a stall, a speed-up).
 */

/** One progress value: the first and the last read that showed it. */
export interface ValueSeen {
  progress: number;
  firstMs: number;
  lastMs: number;
}

export interface WindowInput {
  /** Latest instant known to be at or before the start. */
  startLoMs: number;
  /** Earliest instant known to be at or after the start, if known. */
  startHiMs?: number;
  /** Progress values, normalised to 0..100 for this model. */
  values: readonly ValueSeen[];
  /** Reporting quantum in the same normalised units; 0 for smooth progress. */
  quantum: number;
  /** The task was still running at this instant. */
  unfinishedAtMs: number;
}

export type FinishWindow = { earliestMs: number; latestMs: number };

/** Constraint a·S + b·D ≤ c. */
type HalfPlane = [a: number, b: number, c: number];

/** Slack for float noise; a millisecond is far below anything the policy cares about. */
const EPS_MS = 1;

/**
 * The finish window, `undefined` while no value above 0 has been seen (the window is unbounded), or
 * `'inconsistent'` when no constant-rate task fits the reads.
 */
export function finishWindow(input: WindowInput): FinishWindow | 'inconsistent' | undefined {
  if (!input.values.some((v) => v.progress > 0)) return undefined;
  // Work relative to startLo: epoch milliseconds squared in the corner arithmetic would lose precision.
  const o = input.startLoMs;
  const planes: HalfPlane[] = [
    [-1, 0, 0], // S ≥ startLo
    [0, -1, 0], // D ≥ 0
    [-1, -1, o - input.unfinishedAtMs], // S + D ≥ unfinishedAt
  ];
  if (input.startHiMs !== undefined) planes.push([1, 0, input.startHiMs - o]);
  for (const v of input.values) {
    // Reported progress never exceeds the truth: by the first read showing p, the task had done at least p.
    if (v.progress > 0) planes.push([1, v.progress / 100, v.firstMs - o]);
    // ...and had not reached the next quantum yet at the last read showing p.
    const next = v.progress + input.quantum;
    if (next < 100) planes.push([-1, -next / 100, o - v.lastMs]);
  }

  let earliest = Infinity;
  let latest = -Infinity;
  for (let i = 0; i < planes.length; i++) {
    for (let j = i + 1; j < planes.length; j++) {
      const [a1, b1, c1] = planes[i]!;
      const [a2, b2, c2] = planes[j]!;
      const det = a1 * b2 - a2 * b1;
      if (Math.abs(det) < 1e-12) continue;
      const s = (c1 * b2 - c2 * b1) / det;
      const d = (a1 * c2 - a2 * c1) / det;
      if (!planes.every(([a, b, c]) => a * s + b * d <= c + EPS_MS)) continue;
      earliest = Math.min(earliest, s + d);
      latest = Math.max(latest, s + d);
    }
  }
  if (earliest > latest) return 'inconsistent';
  return { earliestMs: o + earliest, latestMs: o + latest };
}

/**
 * The reporting quantum after seeing `value`, given the quantum so far (undefined before any value above 0):
 * the largest q such that every value is a multiple of q (a float gcd), or 0 once the values look smooth.
 * Over-estimating q only widens the window (safe); under-estimating it would make the window too narrow, so
 * the largest consistent q is used: a single 3 % could be a 3 % step, but 3.33 and 53.1 together cannot.
 */
export function nextQuantum(quantum: number | undefined, value: number): number | undefined {
  if (!(value > 0 && value < 100)) return quantum;
  if (quantum === undefined) return value;
  if (quantum === 0) return 0;
  const q = floatGcd(quantum, value);
  // Float Euclid can stop on a chance near-divisor; keep q only if both numbers really are multiples of it.
  const divides = (x: number): boolean => Math.abs(x / q - Math.round(x / q)) * q <= 1e-6;
  return q >= 1e-4 && divides(quantum) && divides(value) ? q : 0;
}

function floatGcd(a: number, b: number): number {
  // Euclid, stopping at a remainder that is float noise: 0.3 % 0.1 is 0.0999…, and 0.1 % 0.0999… is ~1e-17.
  while (b > 1e-6) [a, b] = [b, a % b];
  return a;
}
