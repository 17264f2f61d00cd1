/**
 * Part budget: the fleet-wide ModelArts request budget (src/budget/, docs/request-budget.md) against today's
 * behaviour with no budget, in one run, on one dev server and one simulator whose gateway limits every API of the
 * project per second and per minute (src/simulator/api-limits.ts). Several worker processes serve one task queue;
 * the exports belong to tenants of very different sizes (one holds half of them), each export on a dataset of its
 * own, so the simulator's request log tells whose every request was.
 *
 * Phases: A, no budget (the workers' defaults off, nothing set through the API); idle, the smallest tenant alone
 * with the budget on (its detection delay on an idle fleet); B, the same load as A with the budget on; C, how
 * long a budget change and the kill switch take to show at the simulator, with runs in flight.
 */
import { randomUUID } from 'node:crypto';
import { awaitRun, startRun } from '../src/client/runs.js';
import { pauseBudget, resumeBudget, setBudget, type BudgetTarget } from '../src/client/budget.js';
import { BUDGET_DYNAMIC_CONFIG } from '../src/devserver/dev-server.js';
import type { LocalStack } from '../src/local/stack.js';
import { ModelArtsClient } from '../src/modelarts/client.js';
import { modelArtsOptionsFromEnv } from '../src/modelarts/env.js';
import type { ApiLimitConfig, LoggedRequest } from '../src/simulator/api-limits.js';
import {
  benchClient,
  benchScope,
  benchStack,
  fmtDuration,
  mapLimit,
  mdTable,
  quantile,
  REAL_WORKER_ENTRY,
  sleep,
  startBenchWorker,
  yesNo,
} from './support.js';

export interface BudgetConfig {
  runs: number;
  tenants: number;
  workers: number;
  /** Each export task's duration in the simulator (linear progress). */
  taskMs: number;
  /** The simulated gateway's limit per API of the project. */
  gateway: ApiLimitConfig;
  /** The budget: fleet-wide requests per second per class, and the per-tenant read default and big tenant's weight. */
  readsRps: number;
  writesRps: number;
  tenantReadsRps: number;
  bigTenantWeight: number;
  startConcurrency: number;
  dynamicConfig: Record<string, string | number | boolean>;
  timeoutMs: number;
}

const READ = 'GET export-tasks/{taskId}';
const WINDOW_MS = 10_000;

interface PhaseResult {
  name: string;
  runs: number;
  failed: number;
  duplicated: number;
  requests: number;
  throttled: number;
  /** 429s by API (`GET export-tasks/{taskId}`, `POST export-tasks`, ...). */
  throttledByApi: Record<string, number>;
  /** The most requests (accepted or not) offered in one second, and its ratio to the fleet's read budget. */
  peakOfferedPerSec: number;
  /** Reads per tenant per 10 s window against the tenant's read budget: the worst ratio over tenants and windows. */
  worstTenantWindowRatio?: number;
  worstTenant?: string;
  /** Detection delay (first successful read after the task finished), p95, for the smallest tenant and for all. */
  smallestP95Ms?: number;
  allP95Ms?: number;
  elapsedMs: number;
}

export interface BudgetResult {
  measuredAt: string;
  config: Omit<BudgetConfig, 'dynamicConfig'>;
  tenantSizes: number[];
  phases: PhaseResult[];
  /** Time from the budget change until the reads at the simulator keep to the new rate. */
  budgetChangeMs?: number;
  /** Reads per second at the simulator just before the change (the fleet limit was binding if near readsRps). */
  readsBeforeChangePerSec?: number;
  loweredTo?: number;
  /** Time from the pause until the last ModelArts request the simulator saw. */
  killSwitchMs?: number;
  /** Time from resume until the first ModelArts request. */
  resumeMs?: number;
  killSwitchRunsFailed?: number;
}

/** Tenant sizes: the first holds half the runs, the rest share the other half in decreasing sizes (at least 2). */
export function tenantSizes(runs: number, tenants: number): number[] {
  const big = Math.floor(runs / 2);
  const rest = runs - big;
  const weights = Array.from({ length: tenants - 1 }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.max(2, Math.floor((rest * w) / total)));
  // Whatever rounding left over goes to the second tenant; the sizes add up to `runs`.
  sizes[0]! += rest - sizes.reduce((a, b) => a + b, 0);
  return [big, ...sizes];
}

const tenantName = (i: number) => `tenant-${String(i).padStart(2, '0')}`;

interface Run {
  tenant: string;
  datasetId: string;
  workflowId: string;
}

function readBudgetOf(config: BudgetConfig, tenant: string): number {
  return tenant === tenantName(0) ? config.tenantReadsRps * config.bigTenantWeight : config.tenantReadsRps;
}

async function startRuns(
  stack: LocalStack,
  client: Awaited<ReturnType<typeof benchClient>>,
  taskQueue: string,
  config: BudgetConfig,
  plan: { tenant: string; count: number }[],
  label: string,
): Promise<Run[]> {
  const runs: Run[] = [];
  for (const { tenant, count } of plan) {
    for (let i = 0; i < count; i++) {
      const d = stack.sim.createDataset({ dataset_name: `${label}-${tenant}-${i}` });
      stack.sim.setBehavior(d.dataset_id, { durationMs: config.taskMs, progress: 'linear' });
      runs.push({ tenant, datasetId: d.dataset_id, workflowId: `${label}-${tenant}-${i}-${randomUUID().slice(0, 6)}` });
    }
  }
  // Interleaved, as a fleet's exports arrive: not one tenant's whole batch first.
  runs.sort((a, b) => a.datasetId.localeCompare(b.datasetId));
  await mapLimit(runs, config.startConcurrency, async (run) => {
    await startRun(
      client,
      {
        steps: [{ kind: 'export', datasetId: run.datasetId, request: { path: '/bench-bucket/budget/' } }],
        tenant: run.tenant,
      },
      { taskQueue, workflowId: run.workflowId },
    );
  });
  return runs;
}

/** When each run's task finished (update_time of a finished task), read with the gateway limit lifted. */
async function finishTimes(stack: LocalStack, runs: Run[]): Promise<Map<string, number>> {
  const client = new ModelArtsClient(modelArtsOptionsFromEnv(stack.workerEnv()));
  const out = new Map<string, number>();
  await mapLimit(runs, 20, async (run) => {
    const { export_tasks: tasks } = await client.listExportTasks(run.datasetId, { limit: 10 });
    const task = tasks[0];
    if (task?.status === 'SUCCESSED') out.set(run.datasetId, task.update_time);
  });
  return out;
}

async function measurePhase(
  name: string,
  stack: LocalStack,
  client: Awaited<ReturnType<typeof benchClient>>,
  taskQueue: string,
  config: BudgetConfig,
  plan: { tenant: string; count: number }[],
  budgetOn: boolean,
  log: (m: string) => void,
): Promise<PhaseResult> {
  const t0 = Date.now();
  const gateway = config.gateway;
  stack.sim.setFaults({ apiLimit: gateway });
  const runs = await startRuns(stack, client, taskQueue, config, plan, name.replace(/\W+/g, '-').toLowerCase());
  log(`${name}: ${runs.length} runs started in ${fmtDuration(Date.now() - t0)}`);
  const outcomes = await mapLimit(runs, 50, (r) => awaitRun(client, r.workflowId));
  const elapsedMs = Date.now() - t0;
  stack.sim.setFaults({});
  const failed = outcomes.filter((o) => o.outcome !== 'succeeded').length;
  const counters = stack.sim.counters();
  const duplicated = runs.filter((r) => (counters.byDataset[r.datasetId]?.exportCreates ?? 0) > 1).length;
  const byDataset = new Map(runs.map((r) => [r.datasetId, r]));
  const logged = stack.sim.requests().filter((r) => r.datasetId !== undefined && byDataset.has(r.datasetId));
  const finishes = await finishTimes(stack, runs);

  const perSecond = new Map<number, number>();
  for (const r of logged) perSecond.set(Math.floor(r.atMs / 1000), (perSecond.get(Math.floor(r.atMs / 1000)) ?? 0) + 1);
  const peak = Math.max(0, ...perSecond.values());

  // Reads per tenant per 10 s window (windows aligned to the phase start) against its read budget.
  let worst = 0;
  let worstTenant: string | undefined;
  if (budgetOn) {
    const windows = new Map<string, number>();
    for (const r of logged.filter((x) => x.api === READ && !x.throttled)) {
      const tenant = byDataset.get(r.datasetId!)!.tenant;
      const key = `${tenant} ${Math.floor((r.atMs - t0) / WINDOW_MS)}`;
      windows.set(key, (windows.get(key) ?? 0) + 1);
    }
    for (const [key, count] of windows) {
      const tenant = key.split(' ')[0]!;
      const ratio = count / (readBudgetOf(config, tenant) * (WINDOW_MS / 1000));
      if (ratio > worst) [worst, worstTenant] = [ratio, tenant];
    }
  }

  const delays = (tenant?: string) => {
    const out: number[] = [];
    for (const run of runs) {
      if (tenant && run.tenant !== tenant) continue;
      const finished = finishes.get(run.datasetId);
      if (finished === undefined) continue;
      const seen = logged.find(
        (r: LoggedRequest) => r.datasetId === run.datasetId && r.api === READ && !r.throttled && r.atMs >= finished,
      );
      if (seen) out.push(seen.atMs - finished);
    }
    return out;
  };
  const smallest = plan[plan.length - 1]!.tenant;
  const small = delays(smallest);
  const all = delays();
  const result: PhaseResult = {
    name,
    runs: runs.length,
    failed,
    duplicated,
    requests: logged.length,
    throttled: logged.filter((r) => r.throttled).length,
    throttledByApi: logged
      .filter((r) => r.throttled)
      .reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.api]: (acc[r.api] ?? 0) + 1 }), {}),
    peakOfferedPerSec: peak,
    ...(budgetOn && { worstTenantWindowRatio: +worst.toFixed(2), worstTenant }),
    ...(small.length > 0 && { smallestP95Ms: Math.round(quantile(small, 0.95)) }),
    ...(all.length > 0 && { allP95Ms: Math.round(quantile(all, 0.95)) }),
    elapsedMs,
  };
  log(`${name}: ${JSON.stringify(result)}`);
  return result;
}

async function setTheBudget(target: BudgetTarget, config: BudgetConfig): Promise<void> {
  await setBudget(target, { budgetClass: 'reads', rps: config.readsRps });
  await setBudget(target, { budgetClass: 'writes', rps: config.writesRps });
  await setBudget(target, { budgetClass: 'reads', tenantDefault: true, rps: config.tenantReadsRps });
  await setBudget(target, {
    budgetClass: 'reads',
    tenant: tenantName(0),
    rps: config.tenantReadsRps * config.bigTenantWeight,
  });
}

export async function runBudget(config: BudgetConfig, log: (m: string) => void): Promise<BudgetResult> {
  const scope = benchScope();
  try {
    const taskQueue = `bench-budget-${randomUUID().slice(0, 8)}`;
    const stack = await benchStack(scope, { ...BUDGET_DYNAMIC_CONFIG, ...config.dynamicConfig }, taskQueue);
    const client = await benchClient(scope, stack.server);
    const target: BudgetTarget = { connection: client.connection, namespace: client.options.namespace, taskQueue };
    // No default budget of the workers' own: phase A is today's behaviour; phase B's budget is set through the API.
    const env = stack.workerEnv({
      MODELARTS_BUDGET_READS_RPS: 'unlimited',
      MODELARTS_BUDGET_WRITES_RPS: 'unlimited',
      WORKER_MAX_CACHED_WORKFLOWS: '1000',
    });
    for (let i = 0; i < config.workers; i++)
      await startBenchWorker(scope, REAL_WORKER_ENTRY, env, { label: `budget worker ${i + 1}` });
    const sizes = tenantSizes(config.runs, config.tenants);
    const plan = sizes.map((count, i) => ({ tenant: tenantName(i), count }));
    log(`tenants: ${sizes.join(', ')} runs; gateway ${JSON.stringify(config.gateway)} per API`);

    const phases: PhaseResult[] = [];
    phases.push(await measurePhase('A: no budget', stack, client, taskQueue, config, plan, false, log));
    await setTheBudget(target, config);
    phases.push(
      await measurePhase('idle: smallest tenant alone', stack, client, taskQueue, config, plan.slice(-1), true, log),
    );
    phases.push(await measurePhase('B: budget', stack, client, taskQueue, config, plan, true, log));

    // C: with runs in flight and reads queueing at the fleet limit (tenant limits lifted), lower the read budget,
    // then pull the kill switch, then resume.
    await setBudget(target, { budgetClass: 'reads', tenantDefault: true });
    stack.sim.setFaults({ apiLimit: config.gateway });
    const cPlan = plan.slice(0, 4).map((p) => ({ ...p, count: Math.max(5, Math.ceil(p.count / 4)) }));
    const cRuns = await startRuns(stack, client, taskQueue, { ...config, taskMs: 90_000 }, cPlan, 'c');
    const cIds = new Set(cRuns.map((r) => r.datasetId));
    const cReads = () => stack.sim.requests().filter((r) => r.datasetId && cIds.has(r.datasetId) && r.api === READ);
    await sleep(20_000);
    const lowered = Math.max(0.5, config.readsRps / 5);
    const changedAt = Date.now();
    const beforeRate = cReads().filter((r) => r.atMs >= changedAt - 10_000 && r.atMs < changedAt).length / 10;
    await setBudget(target, { budgetClass: 'reads', rps: lowered });
    await sleep(25_000);
    // In force from the first moment after which every 3 s window keeps to the new rate (plus one of burst).
    const after = cReads()
      .filter((r) => r.atMs >= changedAt)
      .map((r) => r.atMs);
    let effectiveAt = changedAt;
    for (const t of after) {
      const tooMany = after.filter((u) => u >= t && u < t + 3000).length > lowered * 3 + 1;
      if (tooMany) effectiveAt = t;
    }
    const budgetChangeMs = effectiveAt - changedAt;
    log(`C: reads ${beforeRate.toFixed(1)}/s before lowering the budget to ${lowered}/s`);
    const pausedAt = Date.now();
    await pauseBudget(target);
    await sleep(15_000);
    const during = stack.sim.requests().filter((r) => r.datasetId && cIds.has(r.datasetId) && r.atMs >= pausedAt);
    const killSwitchMs = during.length > 0 ? Math.max(...during.map((r) => r.atMs)) - pausedAt : 0;
    const resumedAt = Date.now();
    await resumeBudget(target);
    const resumedRequest = await (async () => {
      for (let i = 0; i < 300; i++) {
        const seen = stack.sim.requests().find((r) => r.datasetId && cIds.has(r.datasetId) && r.atMs >= resumedAt);
        if (seen) return seen.atMs;
        await sleep(100);
      }
      return undefined;
    })();
    const cOutcomes = await mapLimit(cRuns, 50, (r) => awaitRun(client, r.workflowId));
    stack.sim.setFaults({});
    const result: BudgetResult = {
      measuredAt: new Date().toISOString(),
      config: { ...config, dynamicConfig: undefined } as unknown as BudgetResult['config'],
      tenantSizes: sizes,
      phases,
      budgetChangeMs,
      readsBeforeChangePerSec: +beforeRate.toFixed(2),
      loweredTo: lowered,
      killSwitchMs,
      ...(resumedRequest !== undefined && { resumeMs: resumedRequest - resumedAt }),
      killSwitchRunsFailed: cOutcomes.filter((o) => o.outcome !== 'succeeded').length,
    };
    log(`C: budget change ${budgetChangeMs} ms, kill switch ${killSwitchMs} ms, resume ${result.resumeMs} ms`);
    return result;
  } finally {
    await scope.close();
  }
}

export function formatBudget(r: BudgetResult): string {
  const a = r.phases.find((p) => p.name.startsWith('A'));
  const b = r.phases.find((p) => p.name.startsWith('B'));
  const idle = r.phases.find((p) => p.name.startsWith('idle'));
  const c = r.config;
  const ratio =
    b?.smallestP95Ms !== undefined && idle?.smallestP95Ms ? b.smallestP95Ms / idle.smallestP95Ms : undefined;
  const fmt = (ms?: number) => (ms === undefined ? 'n/a' : fmtDuration(ms));
  const rows: (string | number)[][] = [
    [
      'throttled answers (429) seen by the fleet',
      'goal 0',
      a?.throttled ?? 'n/a',
      b?.throttled ?? 'n/a',
      yesNo(b?.throttled === 0),
    ],
    [
      'worst reads per tenant per 10 s window / its budget',
      'goal <= 1.05x',
      'no budget',
      b?.worstTenantWindowRatio !== undefined ? `${b.worstTenantWindowRatio}x (${b.worstTenant})` : 'n/a',
      yesNo((b?.worstTenantWindowRatio ?? 99) <= 1.05),
    ],
    [
      'smallest tenant p95 detection delay (idle fleet: ' + fmt(idle?.smallestP95Ms) + ')',
      'goal <= 1.5x idle',
      fmt(a?.smallestP95Ms),
      `${fmt(b?.smallestP95Ms)}${ratio !== undefined ? ` (${ratio.toFixed(2)}x)` : ''}`,
      yesNo(ratio !== undefined && ratio <= 1.5),
    ],
    ['all exports p95 detection delay', '', fmt(a?.allP95Ms), fmt(b?.allP95Ms), ''],
    [
      'peak requests offered in one second',
      `budget ${c.readsRps}+${c.writesRps}/s`,
      `${a?.peakOfferedPerSec ?? 'n/a'} (${((a?.peakOfferedPerSec ?? 0) / (c.readsRps + c.writesRps)).toFixed(1)}x the budget)`,
      b?.peakOfferedPerSec ?? 'n/a',
      '',
    ],
    ['ModelArts requests in all', '', a?.requests ?? 'n/a', b?.requests ?? 'n/a', ''],
    ['time for every run to finish', '', fmt(a?.elapsedMs), fmt(b?.elapsedMs), ''],
    [
      'runs failed / duplicated',
      'goal 0',
      `${a?.failed ?? '?'} / ${a?.duplicated ?? '?'}`,
      `${b?.failed ?? '?'} / ${b?.duplicated ?? '?'} (kill switch phase: ${r.killSwitchRunsFailed ?? '?'} failed)`,
      yesNo(
        b?.failed === 0 &&
          b?.duplicated === 0 &&
          a?.failed === 0 &&
          a?.duplicated === 0 &&
          r.killSwitchRunsFailed === 0,
      ),
    ],
    [
      `budget change in force fleet-wide (reads ${r.readsBeforeChangePerSec ?? '?'}/s, lowered to ${r.loweredTo ?? '?'}/s)`,
      'goal <= 10 s',
      '',
      fmt(r.budgetChangeMs),
      yesNo((r.budgetChangeMs ?? 1e9) <= 10_000),
    ],
    [
      'kill switch: last request after the pause call (0 = none)',
      'goal <= 5 s',
      '',
      fmt(r.killSwitchMs),
      yesNo((r.killSwitchMs ?? 1e9) <= 5_000),
    ],
    ['resume: first request after the resume call', '', '', fmt(r.resumeMs), ''],
  ];
  const setup =
    `${c.runs} exports over ${c.tenants} tenants (${r.tenantSizes.join(', ')}), ${c.workers} worker processes, tasks of ` +
    `${fmtDuration(c.taskMs)}; simulated gateway ${c.gateway.perSecond ?? '-'}/s and ${c.gateway.perMinute ?? '-'}/min per API; ` +
    `budget: reads ${c.readsRps}/s, writes ${c.writesRps}/s fleet-wide, reads ${c.tenantReadsRps}/s per tenant ` +
    `(the biggest tenant ${c.tenantReadsRps * c.bigTenantWeight}/s)`;
  return `${setup}\n\n${mdTable(['measure', 'goal', 'no budget (today)', 'with budget', 'met'], rows)}`;
}
