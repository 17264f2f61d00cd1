/**
 * The simulator's notion of now. Task timelines, token expiry and timestamps all follow it, so tests can drive a
 * task through its life by moving a ManualClock instead of sleeping.
 */
export interface Clock {
  now(): number;
}

export const wallClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  constructor(private ms = Date.now()) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward; got ${ms} ms`);
    this.ms += ms;
    return this.ms;
  }
}
