/** Scoped clean-up: whatever a test, bench part, chaos scenario or `dev` starts is stopped, newest first. */
import { withTimeout } from './time.js';

type Action = () => Promise<unknown> | unknown;

export class Scope {
  private readonly actions: { what: string; fn: Action; timeoutMs: number }[] = [];
  /** Clean-up steps that failed or timed out; `close` never throws. */
  readonly problems: string[] = [];

  /** `report` hears of each problem as it happens (the bench prints them; chaos lists them in its summary). */
  constructor(private readonly report: (problem: string) => void = () => undefined) {}

  /** `timeoutMs` bounds this one step (default 20 s; stopping a whole native stack takes longer). */
  defer(what: string, fn: Action, timeoutMs = 20_000): void {
    this.actions.push({ what, fn, timeoutMs });
  }

  /** Runs every deferred step once, last in first out; safe to call again, or from two places at once. */
  async close(): Promise<void> {
    while (this.actions.length > 0) {
      const { what, fn, timeoutMs } = this.actions.pop()!;
      try {
        await withTimeout(Promise.resolve().then(fn), timeoutMs, `cleanup: ${what}`);
      } catch (err) {
        const problem = `${what}: ${(err as Error).message}`;
        this.problems.push(problem);
        this.report(problem);
      }
    }
  }
}
