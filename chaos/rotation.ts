/**
 * Scenario 7 (`--only rotation`): sealed key rotation with waits in flight (issue #22). 1,000 sealed exports (100
 * with --quick) of two tenants wait on long simulator tasks, served by 2 worker processes; then a new key becomes
 * current in the keys file (the old one kept), with no restart. Measured from the file write, on the server's own
 * event times (histories read raw, without the codec: every payload names its key id in clear metadata):
 *
 * - the first history event written with the new key id, and the moment every wait (step workflow) open at the
 *   write had written under it (its first new-key event; continue-as-new chains as one); pipelines, which write
 *   nothing while their step waits, are reported apart;
 * - events the workers encode afresh (activity inputs and results, markers, timers, child starts, completions)
 *   still under the old key more than 3 s after the write: must be 0 (files are re-checked once a second).
 *
 * Also: one worker is SIGKILLed after the write and restarted (the runs it had cached are replayed elsewhere,
 * their old-key events decoding); `sealed keys-in-use` lists the old key while runs written under it are open, and
 * no longer does once they have ended (a few runs started after the write are still open then, under the new key
 * only); then the old key leaves the file, and a closed run's start input fails to decode naming that key id.
 *
 * Checks: every run succeeds (0 failed), exactly one export task per run, 0 key errors in the workers' logs, both
 * workers took the new file, the keys-in-use and retirement results above.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload, SerializationContext } from '@temporalio/common';
import { connect } from '../client/connect.js';
import { awaitRun, startRun, type RunOutcome } from '../client/runs.js';
import { temporalConfigFromEnv } from '../config.js';
import { startLocalStack } from '../local/stack.js';
import { pollUntil, sleep } from '../local/time.js';
import { SealedCodec } from '../sealed/codec.js';
import { clientKeys } from '../sealed/data-converter.js';
import { KeyFileSource } from '../sealed/key-file.js';
import { keysInUse, payloadKeys, type KeyInUse } from '../sealed/keys-in-use.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';
import { seconds, seeded, WorkerSupervisor } from './support.js';

const CREDENTIALS = { accessKey: 'CHAOSAKEXAMPLE0007', secretKey: 'chaos-secret-key-0007' };
const TENANTS = ['rot-a', 'rot-b'] as const;
const TASK_QUEUE = 'chaos-rotation';
/** A read every 10-20 s per wait; the read budget (below) spreads 1,000 waits' reads out further. */
const POLICY = { initialDelayMs: 10_000, minDelayMs: 10_000, maxDelayMs: 20_000, maxEtaDelayMs: 20_000 };
/** Creates at 50/s so 1,000 waits are in flight within a minute; reads at 20/s keep 2 shared cores usable. */
const BUDGET = { MODELARTS_BUDGET_WRITES_RPS: 50, MODELARTS_BUDGET_READS_RPS: 20 };
/** After the write, each process takes the new file within a second; this allows for a slow workflow task too. */
const FRESH_OLD_KEY_GRACE_MS = 3000;
/** Runs started after the write, left open so keys-in-use has open runs to look at at the end. */
const LATE_RUNS = 4;
const KEY_ERROR = /has no key "|not configured for sealed mode|failed authentication/;
const RELOADED = 'sealed keys reloaded from';
/** Event attributes whose payloads a worker or client encodes when it writes the event (not copies of older ones). */
const FRESH_ATTRIBUTES = [
  'activityTaskScheduledEventAttributes',
  'activityTaskCompletedEventAttributes',
  'activityTaskFailedEventAttributes',
  'markerRecordedEventAttributes',
  'timerStartedEventAttributes',
  'startChildWorkflowExecutionInitiatedEventAttributes',
  'workflowExecutionCompletedEventAttributes',
  'workflowPropertiesModifiedEventAttributes',
];

type KeyFile = Record<string, { current: string; keys: Record<string, string> }>;

/** Replaces the keys file atomically (write a private temp file, rename), as an operator or a secret mount does. */
async function writeKeys(file: string, keys: KeyFile): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

/** Runs `fn` over `items`, `lanes` at a time. */
async function inLanes<T>(items: T[], lanes: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** A protobuf Timestamp as epoch ms. */
function eventMs(time: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(String(time?.seconds ?? 0)) * 1000 + (time?.nanos ?? 0) / 1e6;
}

/** What the raw histories say about the write at `t0`. */
interface KeyTimes {
  executions: number;
  /** Workflow ids (pipelines and steps) open at the write. */
  openAtWrite: number;
  /** First event anywhere with the new key id, ms after the write. */
  firstNewMs?: number;
  /**
   * When the last of the waits (step workflows) open at the write wrote its first new-key event, ms after the
   * write: a wait writes at every read.
   */
  allWaitsMs?: number;
  /** Likewise for pipelines, which write nothing while their step waits: their next event is their step's end. */
  allPipelinesMs?: number;
  /** Runs open at the write with no new-key event at all. */
  neverNew: string[];
  /** Freshly encoded old-key payloads more than FRESH_OLD_KEY_GRACE_MS after the write. */
  freshOldLate: number;
  freshOldExample?: string;
}

async function keyTimes(client: Client, t0: number, oldId: string, newId: string, skip: Set<string>) {
  const executions: { workflowId: string; runId: string; start: number; close?: number }[] = [];
  for await (const w of client.workflow.list({ query: `TaskQueue = '${TASK_QUEUE}'` })) {
    if (skip.has(w.workflowId.replace(/\.step-\d+$/, ''))) continue;
    executions.push({
      workflowId: w.workflowId,
      runId: w.runId,
      start: w.startTime.getTime(),
      ...(w.closeTime && { close: w.closeTime.getTime() }),
    });
  }
  const firstNew = new Map<string, number>();
  const openAtWrite = new Set<string>();
  const times: KeyTimes = { executions: executions.length, openAtWrite: 0, neverNew: [], freshOldLate: 0 };
  await inLanes(executions, 8, async (e) => {
    if (e.start < t0 && (e.close === undefined || e.close > t0)) openAtWrite.add(e.workflowId);
    const history = await client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const ids = [...payloadKeys(event)].map((k) => k.split('\0')[1]);
      if (ids.length === 0) continue;
      const at = eventMs(event.eventTime);
      if (ids.includes(newId)) {
        const seen = firstNew.get(e.workflowId);
        if (seen === undefined || at < seen) firstNew.set(e.workflowId, at);
      }
      const fresh = FRESH_ATTRIBUTES.some((a) => (event as Record<string, unknown>)[a]);
      if (fresh && ids.includes(oldId) && at > t0 + FRESH_OLD_KEY_GRACE_MS) {
        times.freshOldLate++;
        times.freshOldExample ??= `${e.workflowId} event ${String(event.eventId)} at +${((at - t0) / 1000).toFixed(1)} s`;
      }
    }
  });
  times.openAtWrite = openAtWrite.size;
  const all = [...firstNew.values()];
  if (all.length > 0) times.firstNewMs = Math.min(...all) - t0;
  for (const id of openAtWrite) {
    const at = firstNew.get(id);
    const field = /\.step-\d+$/.test(id) ? 'allWaitsMs' : 'allPipelinesMs';
    if (at === undefined) times.neverNew.push(id);
    else times[field] = Math.max(times[field] ?? 0, at - t0);
  }
  return times;
}

/** `rot-a k1 (2000 open runs: payloads, search)`, for our tenants only. */
function describeKeys(keys: KeyInUse[]): string {
  const ours = keys.filter((k) => (TENANTS as readonly string[]).includes(k.tenant));
  if (ours.length === 0) return 'none';
  return ours.map((k) => `${k.tenant} ${k.keyId} (${k.openRuns} open runs: ${k.uses.join('+')})`).join(', ');
}

const needs = (keys: KeyInUse[], tenant: string, keyId: string) =>
  keys.some((k) => k.tenant === tenant && k.keyId === keyId && k.openRuns > 0);

async function runRotation(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { scope, log, note, quick, signal } = ctx;
  const n = quick ? 100 : 1000;
  const durationMs: [number, number] = quick ? [60_000, 100_000] : [150_000, 240_000];
  const rng = seeded(ctx.seed * 31 + 7);
  const findings: string[] = [];

  const dir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-chaos-rotation-'));
  scope.defer('remove temp dir', () => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'sealed-keys.json');
  const key = () => randomBytes(32).toString('base64');
  const k1 = Object.fromEntries(TENANTS.map((t) => [t, key()]));
  const k2 = Object.fromEntries(TENANTS.map((t) => [t, key()]));
  const keysWith = (pick: (t: string) => Record<string, string>, current: string): KeyFile =>
    Object.fromEntries(TENANTS.map((t) => [t, { current, keys: pick(t) }]));
  await writeKeys(
    file,
    keysWith((t) => ({ k1: k1[t]! }), 'k1'),
  );

  const stack = await startLocalStack({
    simulator: { seed: ctx.seed + 7 },
    credentials: CREDENTIALS,
    taskQueue: TASK_QUEUE,
  });
  scope.defer('stop the local stack', () => stack.close());
  const sealedEnv = { MODELARTS_SEALED: 'true', MODELARTS_SEALED_KEYS_FILE: file };
  const env = stack.workerEnv({ ...sealedEnv, ...BUDGET });
  const workers = [new WorkerSupervisor(env, { keepAll: true }), new WorkerSupervisor(env, { keepAll: true })];
  scope.defer('stop workers', () => Promise.all(workers.map((w) => w.close())).then(() => undefined));
  await Promise.all(workers.map((w) => w.start()));
  // The scenario's own client reads the same file, and follows it too (a long-lived library process).
  const connected = await connect(temporalConfigFromEnv(env), env);
  scope.defer('close the client', () => connected.close());
  const { client } = connected;
  const clientKeySource = clientKeys(client);
  if (clientKeySource instanceof KeyFileSource)
    clientKeySource.log = { info: (m) => log(`client: ${m}`), warn: (m) => log(`client: ${m}`) };

  note('starting runs');
  const runs = Array.from({ length: n }, (_, i) => {
    const tenant = TENANTS[i % TENANTS.length]!;
    const dataset = stack.sim.createDataset({
      dataset_name: `rotation-${i}`,
      behavior: { durationMs: rng.int(durationMs[0], durationMs[1]), progress: 'linear' },
    });
    return { tenant, datasetId: dataset.dataset_id, workflowId: `${tenant}~rotation-${String(i).padStart(4, '0')}` };
  });
  const spec = (r: { tenant: string; datasetId: string }, folder: string) => ({
    steps: [{ kind: 'export', datasetId: r.datasetId, request: { path: `/rotation-bucket/${folder}/` } }],
    wait: { policy: POLICY },
    tenant: r.tenant,
  });
  const began = Date.now();
  await inLanes(runs, 16, async (r) => {
    await startRun(client, spec(r, r.workflowId.replace('~', '-')), {
      taskQueue: TASK_QUEUE,
      workflowId: r.workflowId,
    });
  });
  const outcomes = new Map<string, RunOutcome | Error>();
  const awaiting = inLanes(runs, 64, async (r) => {
    outcomes.set(r.workflowId, await awaitRun(client, r.workflowId).catch((err: Error) => err));
  });
  const ours = new Set(runs.map((r) => r.datasetId));
  const created = () =>
    Object.entries(stack.sim.counters().byDataset).reduce(
      (sum, [id, c]) => sum + (ours.has(id) ? (c.exportCreates ?? 0) : 0),
      0,
    );
  await pollUntil(async () => (created() >= n ? true : undefined), {
    timeoutMs: 15 * 60_000,
    intervalMs: 1000,
    signal,
  });
  const open = await client.workflow.count(`ExecutionStatus = 'Running' AND TaskQueue = '${TASK_QUEUE}'`);
  log(`${n} exports created and waiting after ${seconds(Date.now() - began)} (${open.count} open workflows)`);

  // The rotation: k2 current, k1 kept for reading. No process restarts for it.
  note('rotating');
  const t0 = Date.now();
  await writeKeys(
    file,
    keysWith((t) => ({ k1: k1[t]!, k2: k2[t]! }), 'k2'),
  );
  log(`keys file rewritten: k2 current, k1 kept (${n - outcomes.size} runs in flight)`);

  // Runs started after the write: under k2 only, and still open at the end.
  await sleep(2000, signal);
  const late = TENANTS.flatMap((tenant) =>
    Array.from({ length: LATE_RUNS / TENANTS.length }, (_, i) => {
      const dataset = stack.sim.createDataset({
        dataset_name: `rotation-late-${tenant}-${i}`,
        behavior: { durationMs: 3_600_000, progress: 'linear' },
      });
      return { tenant, datasetId: dataset.dataset_id, workflowId: `${tenant}~rotation-late-${i}` };
    }),
  );
  for (const r of late)
    await startRun(client, spec(r, `late-${r.workflowId.replace('~', '-')}`), {
      taskQueue: TASK_QUEUE,
      workflowId: r.workflowId,
    });
  scope.defer('terminate the late runs', async () => {
    for (const r of late)
      await client.workflow
        .getHandle(r.workflowId)
        .terminate('scenario over')
        .catch(() => undefined);
  });

  // A worker crash mid-way: its cached runs replay elsewhere, old-key events and all.
  await sleep(Math.max(0, t0 + (quick ? 10_000 : 20_000) - Date.now()), signal);
  note('worker kill');
  const killedOutput = workers[0]!.output();
  await workers[0]!.crash();
  log(`t=+${seconds(Date.now() - t0)} worker 1 SIGKILLed and restarted`);

  note('keys-in-use while old-key runs are open');
  const before = await keysInUse(client);
  log(`keys-in-use with runs in flight: ${describeKeys(before)}`);

  note('awaiting runs');
  const ticker = setInterval(() => {
    const state = `t=+${seconds(Date.now() - t0)}: ${outcomes.size}/${n} runs ended`;
    note(state);
    log(state);
  }, 30_000);
  try {
    await awaiting;
  } finally {
    clearInterval(ticker);
  }
  const allDoneMs = Date.now() - t0;
  const results = [...outcomes.values()];
  const succeeded = results.filter((o) => !(o instanceof Error) && o.outcome === 'succeeded').length;
  const failures = runs
    .map((r) => [r.workflowId, outcomes.get(r.workflowId)] as const)
    .filter(([, o]) => o instanceof Error || o?.outcome !== 'succeeded');
  log(`${succeeded}/${n} runs succeeded, all ended ${seconds(allDoneMs)} after the write`);

  note('keys-in-use after');
  const after = await keysInUse(client);
  log(`keys-in-use once they ended: ${describeKeys(after)}`);

  note('reading histories raw');
  const times = await keyTimes(client, t0, 'k1', 'k2', new Set(late.map((r) => r.workflowId)));

  // Retire k1 (the running processes take it out within a second), then read a closed run's start input.
  note('retiring k1');
  await writeKeys(
    file,
    keysWith((t) => ({ k2: k2[t]! }), 'k2'),
  );
  await sleep(1500, signal);
  const closed = runs[0]!;
  const history = await client.workflow.getHandle(closed.workflowId).fetchHistory();
  const input = (history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []) as Payload[];
  const context: SerializationContext = {
    type: 'workflow',
    namespace: client.options.namespace,
    workflowId: closed.workflowId,
  };
  const codec = client.options.loadedDataConverter.payloadCodecs.find((c) => c instanceof SealedCodec)!;
  const retired = await codec
    .decode(input, context)
    .then(() => 'decoded (k1 still held?)')
    .catch((err: Error) => err.message);
  const completed = history.events?.find((e) => e.workflowExecutionCompletedEventAttributes)
    ?.workflowExecutionCompletedEventAttributes?.result?.payloads as Payload[] | undefined;
  const resultDecodes = completed
    ? await codec.decode(completed, context).then(
        () => true,
        () => false,
      )
    : false;
  log(`closed run ${closed.workflowId} after k1 left the file: ${retired}`);

  const counters = stack.sim.counters();
  const duplicates = runs.filter((r) => (counters.byDataset[r.datasetId]?.exportCreates ?? 0) > 1).length;
  const missing = runs.filter((r) => (counters.byDataset[r.datasetId]?.exportCreates ?? 0) === 0).length;
  const outputs = [killedOutput, ...workers.map((w) => w.output())];
  const keyErrors = outputs
    .join('\n')
    .split('\n')
    .filter((line) => KEY_ERROR.test(line));
  const reloadedWorkers = [killedOutput, workers[1]!.output()].filter((o) => o.includes(RELOADED)).length;
  const unexpected = workers.flatMap((w) => w.unexpectedExits);

  const beforeOk = TENANTS.every((t) => needs(before, t, 'k1') && needs(before, t, 'k2'));
  const afterOk = TENANTS.every((t) => !needs(after, t, 'k1') && needs(after, t, 'k2'));
  const retiredOk = retired.includes('no key "k1"') && retired.includes(closed.workflowId) && resultDecodes;
  const ok =
    succeeded === n &&
    duplicates === 0 &&
    missing === 0 &&
    keyErrors.length === 0 &&
    unexpected.length === 0 &&
    reloadedWorkers === 2 &&
    times.neverNew.length === 0 &&
    times.freshOldLate === 0 &&
    times.firstNewMs !== undefined &&
    times.allWaitsMs !== undefined &&
    beforeOk &&
    afterOk &&
    retiredOk;
  const details = [
    `    keys-in-use with runs in flight: ${describeKeys(before)}`,
    `    keys-in-use after they ended:    ${describeKeys(after)} (the ${late.length} runs started after the write)`,
    `    old key retired, closed run ${closed.workflowId}: ${retired}; its result (k2) ${resultDecodes ? 'decodes' : 'does NOT decode'}`,
    `    ${times.executions} executions read raw, ${times.openAtWrite} workflows (pipelines and waits) open at the write; ` +
      `${times.freshOldLate} payloads freshly encoded under k1 later than ${FRESH_OLD_KEY_GRACE_MS / 1000} s after it` +
      (times.freshOldExample ? ` (e.g. ${times.freshOldExample})` : ''),
    ...failures
      .slice(0, 5)
      .map(([id, o]) => `    not succeeded ${id}: ${o instanceof Error ? o.message : JSON.stringify(o).slice(0, 200)}`),
    ...times.neverNew.slice(0, 5).map((id) => `    open at the write, never wrote under k2: ${id}`),
    ...keyErrors.slice(0, 5).map((line) => `    key error: ${line.slice(0, 300)}`),
    ...unexpected.slice(0, 3).map((u) => `    worker exited unexpectedly: ${u.slice(0, 300)}`),
  ];
  if (reloadedWorkers !== 2) findings.push(`only ${reloadedWorkers}/2 workers logged "${RELOADED}"`);
  const s = (ms: number | undefined) => (ms === undefined ? 'never' : `${(ms / 1000).toFixed(1)} s`);
  return {
    ok,
    summary:
      `${ok ? 'PASS' : 'FAIL'} ${n} runs (${TENANTS.length} tenants, 2 workers, 1 SIGKILLed), ` +
      `${succeeded} succeeded, ${n - succeeded} failed, ${duplicates} duplicate creates (${missing} without one); ` +
      `first k2 write ${s(times.firstNewMs)} after the file write, every open wait under k2 after ${s(times.allWaitsMs)} ` +
      `(their pipelines, idle meanwhile, at their next event: ${s(times.allPipelinesMs)}); ` +
      `${keyErrors.length} key errors; keys-in-use before ${beforeOk ? 'lists k1' : 'MISSES k1'}, after ` +
      `${afterOk ? 'k2 only' : 'STILL k1 (or no k2)'}; retired k1 named on decode: ${retiredOk ? 'yes' : 'NO'}`,
    details,
    findings,
  };
}

export const rotationScenario: Scenario = {
  id: '7',
  name: 'sealed key rotation with waits in flight',
  timeoutMs: (quick) => (quick ? 20 : 50) * 60_000,
  run: runRotation,
};
