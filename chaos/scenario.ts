/** What every scenario gets from the runner, and what it hands back. */
import type { Scope } from '../local/scope.js';

export interface ScenarioContext {
  seed: number;
  quick: boolean;
  /** Aborted when the scenario's overall timeout passes (the runner then closes `scope` itself). */
  signal: AbortSignal;
  /** Servers and processes the scenario started; the runner closes it even when the scenario hangs. */
  scope: Scope;
  /** Progress notes (stderr), prefixed with the scenario id. */
  log: (line: string) => void;
  /** The latest state, shown in the summary line if the scenario times out. */
  note: (state: string) => void;
}

export interface ScenarioResult {
  ok: boolean;
  /** The one summary line, without the `[id] name:` prefix. */
  summary: string;
  /** Extra lines printed before the summary line (tables, failure details). */
  details: string[];
  /** Bugs or surprises worth a human look, whether or not they fail the scenario. */
  findings?: string[];
}

export interface Scenario {
  id: string;
  name: string;
  /** Overall bound; the scenario is stopped and cleaned up after it. */
  timeoutMs: (quick: boolean) => number;
  run: (ctx: ScenarioContext) => Promise<ScenarioResult>;
}
