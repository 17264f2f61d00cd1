/**
 * `npm run bench`: proof in figures. Prints tables and writes JSON under bench/results/.
 *
 *   npm run bench                         polling, overhead and scale, full size
 *   npm run bench -- --only polling       one part (polling | overhead | scale | stack | budget | follow; repeat or comma-separate)
 *   npm run bench -- --quick              smoke sizes (written to bench/results/quick.tmp.json, not latest.json)
 *   npm run bench -- --compare [--changed] [FILE [AGAINST]]   measures nothing: FILE's figures against AGAINST's, in %
 *
 * Parts: polling (status reads and detection delay: replay table, confirmed live on a dev server), overhead
 * (exports/s against a same-shape no-op baseline), scale (5,000 waiting exports on one worker process), stack
 * (exports/s on the native stack's PostgreSQL-backed server against the dev server; only with --only, as it needs
 * PostgreSQL and the stack's binaries, see `npm run test:stack`).
 * Benchmarks print figures; nothing here asserts timings.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatBudget, runBudget, type BudgetConfig } from './budget.js';
import { compareCommand } from './compare.js';
import { formatFollow, runFollow, type FollowConfig } from './follow.js';
import { formatOverhead, runOverhead, VARIANTS, type OverheadConfig, type Variant } from './overhead.js';
import { formatPolling, runPolling, type PollingConfig } from './polling.js';
import { formatScale, runScale, type ScaleConfig } from './scale.js';
import { partMeta, provenance } from './provenance.js';
import { formatStack, runStack, type StackConfig } from './stack.js';
import {
  ABOVE_LOAD_BUDGET,
  cleanupAll,
  machineInfo,
  projectRoot,
  useProjectTemporalCli,
  withTimeout,
  type MachineInfo,
} from './support.js';

type Part = 'polling' | 'overhead' | 'scale' | 'stack' | 'budget' | 'follow';
const PARTS: Part[] = ['polling', 'overhead', 'scale', 'stack', 'budget', 'follow'];
/** What runs without --only: everything that needs no more than the Temporal CLI. */
const DEFAULT_PARTS: Part[] = ['polling', 'overhead', 'scale'];

/**
 * Dynamic config for every dev server the bench starts. The dev server's defaults throttle visibility calls to
 * 10/s per namespace; the bench lists and counts runs, so that one is raised. Nothing else is changed.
 */
export const DYNAMIC_CONFIG: Record<string, string | number> = {
  'frontend.namespaceRPS.visibility': 100,
};

/**
 * The time-scaled live polling runs need sub-second timers to fire on time. The server floors a new timer's fire
 * time to now + history.timerProcessorMaxTimeShift (default 1 s, which the real policy never goes below: its
 * minDelayMs is 1 s); for the runs scaled down 10-300×, that floor is scaled down too.
 */
export const POLLING_DYNAMIC_CONFIG: Record<string, string | number> = {
  ...DYNAMIC_CONFIG,
  'history.timerProcessorMaxTimeShift': '10ms',
};

function configs(quick: boolean) {
  const polling: PollingConfig = {
    seeds: quick ? 5 : 20,
    // Live tasks of 30 s to 6 min (6 s when quick). Larger factors magnify the fixed ~0.1-0.3 s a live read costs
    // (timer, workflow task, activity dispatch, HTTP) past the scaled detection targets (≥ 1 s here).
    live: quick
      ? [{ equivalentMs: 60_000, factor: 10 }]
      : [
          { equivalentMs: 60_000, factor: 2 },
          { equivalentMs: 10 * 60_000, factor: 10 },
          { equivalentMs: 60 * 60_000, factor: 30 },
          { equivalentMs: 6 * 60 * 60_000, factor: 60 },
        ],
    liveRepeats: quick ? 1 : 3,
    dynamicConfig: POLLING_DYNAMIC_CONFIG,
    tuning: {
      WORKER_MAX_CACHED_WORKFLOWS: 1000,
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 40,
      WORKER_MAX_CONCURRENT_ACTIVITIES: 100,
      ...ABOVE_LOAD_BUDGET,
    },
    timeoutMs: 15 * 60_000,
  };
  const overhead: OverheadConfig = {
    // An even number of rounds (alternating order), each on a fresh dev server after its own warm-up.
    runs: quick ? 50 : 300,
    rounds: quick ? 2 : 4,
    warmup: quick ? 10 : 20,
    startConcurrency: 50,
    tuning: {
      WORKER_MAX_CACHED_WORKFLOWS: 2000,
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 40,
      WORKER_MAX_CONCURRENT_ACTIVITIES: 100,
      // The budget on, above the offered load: this part measures what the budget's dispatch and our code cost.
      ...ABOVE_LOAD_BUDGET,
    },
    dynamicConfig: DYNAMIC_CONFIG,
    timeoutMs: 15 * 60_000,
  };
  // 5,000 pipelines + 5,000 steps are open at once. A cached workflow costs the worker about 0.3 MiB of RSS
  // (measured: 2,000 cached ≈ 0.8 GiB with a 0.19 GiB idle worker), so caching all 10,000 would need about 3 GiB:
  // the cache is capped at 1,000 (1,500 peaked at 1,028 MiB) and the rest replay from history when they wake (a
  // few times each).
  const scale: ScaleConfig = {
    runs: quick ? 200 : 5000,
    startConcurrency: 50,
    // This machine creates about 6.7 tasks a second when quiet, 2.5 under heavy load (the whole start of a run:
    // pipeline, child, create activity, first read); the tasks are aimed to finish once all should exist, plus a
    // margin.
    assumedStartsPerSec: 5,
    waitMarginMs: quick ? 30_000 : 300_000,
    minTaskMs: quick ? 30_000 : 300_000,
    tuning: {
      WORKER_MAX_CACHED_WORKFLOWS: 1000,
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 40,
      WORKER_MAX_CONCURRENT_ACTIVITIES: 200,
      ...ABOVE_LOAD_BUDGET,
      // V8 sizes its heaps from the machine's memory (about 4 GiB here) and collects lazily while they grow; without
      // a limit, the burst of replays when thousands of runs wake at once peaked at 1,101 MiB.
      NODE_OPTIONS: '--max-old-space-size=512',
    },
    dynamicConfig: DYNAMIC_CONFIG,
    longWait: { runs: quick ? 5 : 20, reads: quick ? 40 : 100 },
    timeoutMs: quick ? 20 * 60_000 : 100 * 60_000,
  };
  const stack: StackConfig = {
    runs: quick ? 40 : 200,
    rounds: quick ? 1 : 3,
    warmup: quick ? 5 : 20,
    taskMs: 1000,
    workers: 3,
    basePort: 17500,
    dynamicConfig: DYNAMIC_CONFIG,
    timeoutMs: 10 * 60_000,
  };
  // The request budget (bench/budget.ts). Sized for 2 cores: see docs/request-budget.md for what limits it.
  const budget: BudgetConfig = {
    runs: quick ? 40 : 200,
    tenants: quick ? 5 : 20,
    workers: 4,
    taskMs: 30_000,
    // The budget at half the gateway's per-second limit: the server's limiter lets a second's worth through in a
    // burst, so a budget at the limit itself still meets 429s in a strict 1 s window.
    gateway: { perSecond: 10, perMinute: 600 },
    readsRps: 5,
    writesRps: 4,
    tenantReadsRps: 2,
    bigTenantWeight: 2,
    startConcurrency: 20,
    dynamicConfig: DYNAMIC_CONFIG,
    timeoutMs: 40 * 60_000,
  };
  // One export per follow, of the length the issue measured (10 minutes; 1 when quick).
  const follow: FollowConfig = {
    taskMs: (quick ? 1 : 10) * 60_000,
    dynamicConfig: DYNAMIC_CONFIG,
    timeoutMs: (quick ? 5 : 30) * 60_000,
  };
  return { polling, overhead, scale, stack, budget, follow };
}

interface Results {
  machine: MachineInfo & { loadAverageAtEnd?: number[]; temporalCli?: string };
  command: string;
  quick: boolean;
  startedAt: string;
  finishedAt?: string;
  dynamicConfig: Record<string, string | number>;
  polling?: unknown;
  overhead?: unknown;
  scale?: unknown;
  stack?: unknown;
  budget?: unknown;
  follow?: unknown;
  errors?: Partial<Record<Part, string>>;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      render: { type: 'boolean', default: false },
      // The overhead part's variants to run (comma-separated), for trying a change; all by default.
      variants: { type: 'string' },
      compare: { type: 'boolean', default: false },
      changed: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(
      'npm run bench [-- --only polling|overhead|scale|stack|budget|follow] [--quick] [--variants ours,baseline,…] | npm run bench -- --render\n' +
        'npm run bench -- --compare [--changed] [FILE [AGAINST]]   FILE: newest bench/results/<timestamp>.json; ' +
        'AGAINST: HEAD:bench/results/latest.json (a path or a git REV:PATH)',
    );
    return 0;
  }
  if (values.compare) {
    // Measures nothing: a report of every figure's change, to read before a release; never fails on a change.
    console.log(compareCommand(positionals, projectRoot, { changedOnly: values.changed ?? false }));
    return 0;
  }
  if (positionals.length > 0) throw new Error(`unexpected argument ${positionals[0]} (files go with --compare)`);
  if (values.render) {
    // Re-prints the committed figures (bench/results/latest.json) and rewrites latest.md, measuring nothing.
    const latest = JSON.parse(await readFile(path.join(RESULTS_DIR, 'latest.json'), 'utf8')) as Record<string, unknown>;
    const md = renderMarkdown(latest);
    await writeFile(path.join(RESULTS_DIR, 'latest.md'), md);
    console.log(md);
    return 0;
  }
  const only = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()) as Part[];
  for (const part of only)
    if (!PARTS.includes(part)) throw new Error(`--only: unknown part ${part} (${PARTS.join(', ')})`);
  const parts = only.length > 0 ? PARTS.filter((p) => only.includes(p)) : DEFAULT_PARTS;
  const quick = values.quick ?? false;
  await useProjectTemporalCli();

  const machine = machineInfo();
  const results: Results = {
    machine,
    command: `npm run bench --${quick ? ' --quick' : ''}${only.length ? ` --only ${parts.join(',')}` : ''}`.replace(
      / --$/,
      '',
    ),
    quick,
    startedAt: new Date().toISOString(),
    dynamicConfig: DYNAMIC_CONFIG,
  };
  console.log(
    `Commit: ${machine.commit ?? 'unknown'}${machine.dirty ? ' with uncommitted changes' : ''}; ` +
      `Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ` +
      `${machine.platform}, Temporal SDK ${machine.temporalSdk ?? '?'}; load average ${machine.loadAverage.join(' ')}`,
  );
  console.log(
    `Dev server dynamic config: ${JSON.stringify(DYNAMIC_CONFIG)} (live polling runs add ` +
      `${JSON.stringify({ 'history.timerProcessorMaxTimeShift': POLLING_DYNAMIC_CONFIG['history.timerProcessorMaxTimeShift'] })})` +
      `${quick ? ' — QUICK (smoke) sizes' : ''}\n`,
  );

  const c = configs(quick);
  if (values.variants) {
    const variants = values.variants.split(',').map((v) => v.trim()) as Variant[];
    for (const v of variants)
      if (!VARIANTS.includes(v)) throw new Error(`--variants: unknown variant ${v} (${VARIANTS.join(', ')})`);
    c.overhead.variants = variants;
  }
  const log = (part: string) => (m: string) => console.error(`[${part}] ${m}`);
  const errors: Partial<Record<Part, string>> = {};
  for (const part of parts) {
    const started = Date.now();
    try {
      if (part === 'polling') {
        const r = await withTimeout(runPolling(c.polling, log(part)), c.polling.timeoutMs + 120_000, 'polling');
        results.polling = r;
        console.log(`${TITLES.polling}\n\n${formatPolling(r)}\n`);
      } else if (part === 'overhead') {
        const r = await withTimeout(runOverhead(c.overhead, log(part)), c.overhead.timeoutMs * 3, 'overhead');
        results.overhead = r;
        console.log(`${TITLES.overhead}\n\n${formatOverhead(r)}\n`);
      } else if (part === 'scale') {
        const r = await withTimeout(runScale(c.scale, log(part)), c.scale.timeoutMs + 120_000, 'scale');
        results.scale = r;
        console.log(`${TITLES.scale}\n\n${formatScale(r)}\n`);
      } else if (part === 'budget') {
        const r = await withTimeout(runBudget(c.budget, log(part)), c.budget.timeoutMs, 'budget');
        results.budget = r;
        console.log(`${TITLES.budget}\n\n${formatBudget(r)}\n`);
      } else if (part === 'follow') {
        const r = await withTimeout(runFollow(c.follow, log(part)), c.follow.timeoutMs, 'follow');
        results.follow = r;
        console.log(`${TITLES.follow}\n\n${formatFollow(r)}\n`);
      } else {
        const r = await withTimeout(runStack(c.stack, log(part)), c.stack.timeoutMs * 2, 'stack');
        results.stack = r;
        console.log(`${TITLES.stack}\n\n${formatStack(r)}\n`);
      }
    } catch (err) {
      errors[part] = (err as Error).stack ?? String(err);
      console.error(`[${part}] FAILED: ${(err as Error).message}`);
      await cleanupAll();
    }
    console.error(`[${part}] took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  results.finishedAt = new Date().toISOString();
  results.machine.loadAverageAtEnd = machineInfo().loadAverage;
  if (Object.keys(errors).length > 0) results.errors = errors;
  await writeResults(results, quick, parts);
  return Object.keys(errors).length > 0 ? 1 : 0;
}

/**
 * Full runs write a timestamped file and merge their parts into latest.json (so `--only scale` keeps the last
 * polling and overhead figures); quick runs write quick.tmp.json (git-ignored).
 */
async function writeResults(results: Results, quick: boolean, parts: Part[]): Promise<void> {
  const dir = RESULTS_DIR;
  await mkdir(dir, { recursive: true });
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  if (quick) {
    await writeFile(path.join(dir, 'quick.tmp.json'), json(results));
    console.error(`results: bench/results/quick.tmp.json`);
    return;
  }
  const stamp = results.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  await writeFile(path.join(dir, `${stamp}.json`), json(results));
  let latest: Record<string, unknown> = {};
  try {
    latest = JSON.parse(await readFile(path.join(dir, 'latest.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    latest = {};
  }
  const merged: Record<string, unknown> = { ...latest };
  for (const part of parts) {
    if (results[part] === undefined) continue;
    merged[part] = {
      ...(results[part] as object),
      machine: results.machine,
      command: results.command,
      dynamicConfig: results.dynamicConfig,
    };
  }
  merged.updatedAt = results.finishedAt;
  await writeFile(path.join(dir, 'latest.json'), json(merged));
  await writeFile(path.join(dir, 'latest.md'), renderMarkdown(merged));
  console.error(`results: bench/results/${stamp}.json, bench/results/latest.json and latest.md`);
}

const RESULTS_DIR = path.join(projectRoot, 'bench', 'results');

const TITLES: Record<Part, string> = {
  polling: '### Status reads per export and detection delay',
  overhead: '### Overhead against Temporal itself',
  scale: '### Scale: thousands of waiting exports on one worker',
  stack: '### PostgreSQL-backed server (native stack) against the dev server',
  budget: '### Request budget: fleet-wide and fair between tenants, against no budget',
  follow: '### Following a run: progress queries and worker replays, every second against aimed at reads',
};

/** The tables of every part in a merged results document (latest.json), each with where and how it was measured. */
export function renderMarkdown(doc: Record<string, unknown>): string {
  const out: string[] = [];
  for (const part of PARTS) {
    const r = doc[part] as { machine?: MachineInfo } | undefined;
    if (!r) continue;
    const m = r.machine;
    const where = m
      ? `${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, Temporal SDK ${m.temporalSdk ?? '?'}, ` +
        `load average ${m.loadAverage.join(' ')} at start`
      : 'unknown machine';
    const body =
      part === 'polling'
        ? formatPolling(r as Parameters<typeof formatPolling>[0])
        : part === 'overhead'
          ? formatOverhead(r as Parameters<typeof formatOverhead>[0])
          : part === 'scale'
            ? formatScale(r as Parameters<typeof formatScale>[0])
            : part === 'budget'
              ? formatBudget(r as Parameters<typeof formatBudget>[0])
              : part === 'follow'
                ? formatFollow(r as Parameters<typeof formatFollow>[0])
                : formatStack(r as Parameters<typeof formatStack>[0]);
    // Under each title: the commit, date and command the figures come from, then the machine.
    out.push(`${TITLES[part]}\n\n_${capitalize(provenance(partMeta(doc, part)))}; ${where}_\n\n${body}\n`);
  }
  return out.join('\n');
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

let exiting = false;
const bail = (reason: string, code: number) => {
  if (exiting) return;
  exiting = true;
  console.error(`bench: ${reason}; cleaning up`);
  void cleanupAll().finally(() => process.exit(code));
};
process.on('SIGINT', () => bail('interrupted', 130));
process.on('SIGTERM', () => bail('terminated', 143));
process.on('uncaughtException', (err) => bail(`uncaught ${err.stack ?? String(err)}`, 1));
process.on('unhandledRejection', (err) => bail(`unhandled rejection ${String(err)}`, 1));

main()
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  })
  .catch((err: unknown) => bail(`failed: ${(err as Error).stack ?? String(err)}`, 1));
