/**
 * `npm run chaos`: proof in figures that runs survive worker crashes, API faults and server restarts without
 * duplicate tasks, that malformed input is refused before anything is created, and that secrets stay out of
 * histories, search attributes, memos and logs.
 *
 *   node dist/chaos/main.js [--only 1,3|kills,restarts,malformed,secrets,stack,upgrade,rotation] [--stack] [--upgrade]
 *                           [--quick] [--seed N] [--serial]
 *
 * Scenario 5 (`--stack`) runs scenario 1's workload on the native production stack (PostgreSQL-backed
 * temporal-server, 3 workers; src/stack/) with a server and a PostgreSQL restart on top. It needs PostgreSQL and
 * the stack's binaries (see `npm run test:stack`), so it runs only when asked for.
 *
 * Prints one summary line per scenario and a final line; exits 1 if any scenario failed (anything lost,
 * duplicated, wrongly accepted or leaked), 2 on bad usage. Each scenario has an overall timeout, after which its
 * servers and processes are stopped; progress notes go to stderr.
 */
import { setMaxListeners } from 'node:events';
import { nativeStackScenario, serverRestartsScenario, workerKillsScenario } from './durability.js';
import { malformedScenario } from './malformed.js';
import { rotationScenario } from './rotation.js';
import type { Scenario, ScenarioResult } from './scenario.js';
import { secretsScenario } from './secrets.js';
import { upgradeScenario } from './upgrade.js';
import { killChildrenSync } from '../local/children.js';
import { Scope } from '../local/scope.js';
import { AbortedError } from '../local/time.js';
import { seconds } from './support.js';

const SCENARIOS: (Scenario & { alias: string })[] = [
  { ...workerKillsScenario, alias: 'kills' },
  { ...serverRestartsScenario, alias: 'restarts' },
  { ...malformedScenario, alias: 'malformed' },
  { ...secretsScenario, alias: 'secrets' },
  { ...nativeStackScenario, alias: 'stack' },
  { ...upgradeScenario, alias: 'upgrade' },
  { ...rotationScenario, alias: 'rotation' },
];
/**
 * What runs without --only or --stack: everything that needs no more than the Temporal CLI, but for the long
 * 1,000-wait modes (--upgrade, --only rotation), run when asked for.
 */
const DEFAULT_SCENARIOS = SCENARIOS.filter((s) => !['stack', 'upgrade', 'rotation'].includes(s.alias));

const USAGE = `usage: node dist/chaos/main.js [--only <ids>] [--stack] [--upgrade] [--quick] [--seed N] [--serial]
  --only <ids>  comma-separated scenarios: ${SCENARIOS.map((s) => `${s.id}|${s.alias}`).join(', ')}
                (default: ${DEFAULT_SCENARIOS.map((s) => s.id).join(', ')})
  --stack       scenario 5: scenario 1 on the native stack (PostgreSQL, 3 workers) with server and PostgreSQL
                restarts; same as --only stack, and added to --only when both are given
  --upgrade     scenario 6: 1,000 waits on worker version A, rollout to an incompatible B, drain, rollback
                (same as --only upgrade)
                scenario 7 (--only rotation): 1,000 sealed waits in flight, a new current key in the keys file
                without restarts, a worker SIGKILLed, keys-in-use before and after, the old key retired
  --quick       smaller runs (a couple of minutes in all)
  --seed N      seed of every random choice (default 20251122)
  --serial      one scenario at a time (default: 1, 2 then 5, and next to them 3 then 4)`;

interface Args {
  only: Scenario[];
  quick: boolean;
  seed: number;
  serial: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { only: [], quick: false, seed: 20251122, serial: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') args.quick = true;
    else if (arg === '--stack') args.only.push(SCENARIOS.find((s) => s.alias === 'stack')!);
    else if (arg === '--upgrade') args.only.push(SCENARIOS.find((s) => s.alias === 'upgrade')!);
    else if (arg === '--serial') args.serial = true;
    else if (arg === '--seed') {
      const v = value();
      args.seed = Number(v);
      if (!Number.isSafeInteger(args.seed)) throw new Error(`--seed must be a whole number; got ${v}`);
    } else if (arg === '--only') {
      const v = value();
      for (const key of v.split(',')) {
        const found = SCENARIOS.find((s) => s.id === key.trim() || s.alias === key.trim().toLowerCase());
        if (!found) throw new Error(`--only: unknown scenario ${JSON.stringify(key)}`);
        args.only.push(found);
      }
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  // In the table's order, each once.
  args.only = args.only.length === 0 ? DEFAULT_SCENARIOS : SCENARIOS.filter((s) => args.only.includes(s));
  return args;
}

/** Scenarios in progress, so a Ctrl-C still stops their servers and processes. */
const running = new Set<{ scope: Scope; abort: AbortController }>();
let unhandled = 0;

async function runScenario(scenario: Scenario, args: Args): Promise<ScenarioResult & { ms: number }> {
  const scope = new Scope();
  const abort = new AbortController();
  // Hundreds of concurrent waits listen on the one signal.
  setMaxListeners(10_000, abort.signal);
  const entry = { scope, abort };
  running.add(entry);
  const began = Date.now();
  const timeoutMs = scenario.timeoutMs(args.quick);
  let lastNote = '';
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const work = scenario.run({
    seed: args.seed,
    quick: args.quick,
    signal: abort.signal,
    scope,
    log: (line) => process.stderr.write(`  [${scenario.id}] ${line}\n`),
    note: (state) => (lastNote = state),
  });
  let result: ScenarioResult;
  try {
    const first = await Promise.race([work, timedOut]);
    result =
      first === 'timeout'
        ? {
            ok: false,
            summary: `FAIL timed out after ${seconds(timeoutMs)}${lastNote ? ` (${lastNote})` : ''}`,
            details: [],
            findings: [`scenario ${scenario.id} timed out`],
          }
        : first;
  } catch (err) {
    const message = err instanceof AbortedError ? 'aborted' : ((err as Error).stack ?? String(err));
    result = { ok: false, summary: `FAIL error: ${message.split('\n')[0]}`, details: [`    ${message}`] };
  } finally {
    clearTimeout(timer);
    // Stop whatever the scenario still has running, then its servers and processes.
    abort.abort();
    await scope.close();
    work.catch(() => undefined);
    running.delete(entry);
  }
  if (scope.problems.length > 0) result.details.push(...scope.problems.map((p) => `    cleanup problem: ${p}`));
  return { ...result, ms: Date.now() - began };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const began = Date.now();
  process.stdout.write(`chaos: ${args.only.length} scenario(s), seed ${args.seed}${args.quick ? ', quick' : ''}\n`);
  const outcomes: { scenario: Scenario; ok: boolean; findings: string[] }[] = [];
  // Two lanes: the heavy scenarios (1, 2, 5: hundreds of workflows each) one after the other, the light ones (3, 4)
  // next to them. Running 1 and 2 side by side starves both on 2 cores, and the faults would then hit few creates.
  const lanes = args.serial
    ? [args.only]
    : [
        ['1', '2', '5', '6', '7'],
        ['3', '4'],
      ]
        .map((ids) => args.only.filter((s) => ids.includes(s.id)))
        .filter((lane) => lane.length > 0);
  await Promise.all(
    lanes.map(async (lane) => {
      for (const scenario of lane) {
        process.stderr.write(`  [${scenario.id}] ${scenario.name}: starting\n`);
        const result = await runScenario(scenario, args);
        // Details and summary of one scenario are written in one go, so parallel scenarios do not interleave.
        const lines = [
          ...result.details,
          `[${scenario.id}] ${scenario.name}: ${result.summary} (${seconds(result.ms)})`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        outcomes.push({ scenario, ok: result.ok, findings: result.findings ?? [] });
      }
    }),
  );
  outcomes.sort((a, b) => a.scenario.id.localeCompare(b.scenario.id));
  const failed = outcomes.filter((o) => !o.ok);
  const findings = outcomes.flatMap((o) => o.findings);
  const tail = [
    `${outcomes.length - failed.length}/${outcomes.length} scenarios passed`,
    failed.length
      ? `failed: ${failed.map((o) => o.scenario.id).join(', ')}`
      : 'nothing lost, duplicated, accepted or leaked',
    ...(unhandled ? [`${unhandled} unhandled rejections`] : []),
    `seed ${args.seed}${args.quick ? ', quick' : ''}`,
    `${seconds(Date.now() - began)}`,
  ];
  process.stdout.write(`chaos: ${failed.length === 0 ? 'PASS' : 'FAIL'} ${tail.join('; ')}\n`);
  for (const finding of findings) process.stdout.write(`  finding: ${finding}\n`);
  return failed.length === 0 ? 0 : 1;
}

process.on('unhandledRejection', (reason) => {
  unhandled++;
  process.stderr.write(`  unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}\n`);
});
// Closing a client connection while the SDK's retry timer for a call on it is pending throws from that timer
// ("Channel has been shut down"); that happens in cleanup after a timeout and must not end the run unreported.
process.on('uncaughtException', (err) => {
  unhandled++;
  process.stderr.write(`  uncaught exception: ${err.message}\n`);
});
// Last resort: SIGKILL our own children by PID, the dev servers included, even when the runner itself dies.
process.on('exit', killChildrenSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nchaos: ${signal}, cleaning up\n`);
    const closing = [...running].map(({ scope, abort }) => {
      abort.abort();
      return scope.close();
    });
    void Promise.allSettled(closing).finally(() => {
      killChildrenSync();
      process.exit(130);
    });
  });
}

const code = await main();
await new Promise((resolve) => process.stdout.write('', resolve));
process.exit(code);
