/**
 * Scenario 4: secrets canary. The worker and the CLI run with recognisable fake credentials in every auth mode the
 * simulator supports (AK/SK with a security token, IAM password through the OpenStack OS_* names, a ready token),
 * plus wrong credentials for each (401 paths), and with debug logging. Runs succeed, fail (a task that ends
 * FAILED), chain into a new dataset, hit throttling and 5xx on status reads, and see their IAM tokens expire
 * mid-wait (401, refresh); a failing task's error_msg echoes the mode's own secrets in prose. Then every place a secret could end up is searched: each workflow history (payloads
 * decoded), descriptions (pending activity failures), search attributes, memos, static summaries and details,
 * every worker's stdout/stderr, and the CLI's output. Expected: zero occurrences everywhere.
 *
 * Then the sealed pass (chaos/secrets-sealed.ts): sealed runs, and every place searched for every dataset id, OBS
 * path, dataset name and error_msg: what the server holds read raw, its database files, spans, metric labels and
 * logs. Expected: zero, with clear control runs found by the same search; and a cross-tenant decode of 0.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { awaitRun, startRun, type RunOutcome } from '../client/runs.js';
import { cliEntry, workerEntry } from '../local/paths.js';
import { startLocalStack, type LocalStack } from '../local/stack.js';
import { sleep, withTimeout } from '../local/time.js';
import { workerEnv } from '../local/worker-env.js';
import { startWorkerProcess, type WorkerProcess } from '../local/worker-process.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';
import { cell, runNode, SwappableClient, type ChildRun } from './support.js';
import { runSealedPass, type SealedPassResult } from './secrets-sealed.js';

/** Fake credentials, easy to find anywhere they might leak. */
export const CANARY = {
  accessKey: 'CANARYAK7Q2X9',
  secretKey: 'canary-secret-5f1c2e9a7b3d',
  securityToken: 'canary-sectoken-8d3a61f04c2e',
  password: 'canary-password-4e7b9c21aa0f',
  token: 'canary-token-93ab27fe51c4',
  wrongSecretKey: 'canary-secret-wrong-0b8e77d1',
  unknownAccessKey: 'CANARYAKUNKNOWN55',
  revokedToken: 'canary-token-revoked-71c0d9',
  wrongPassword: 'canary-password-wrong-6a2d13',
  username: 'canary-user',
  domain: 'canary-domain',
};

/** What we search for: every value of a family, whatever its case. Issued IAM tokens are secrets too. */
const SECRET_FAMILIES: [string, RegExp][] = [
  ['AK', /CANARYAK[A-Z0-9]*/gi],
  ['SK', /canary-secret-[a-z0-9-]+/gi],
  ['sec.token', /canary-sectoken-[a-z0-9-]+/gi],
  ['password', /canary-password-[a-z0-9-]+/gi],
  ['token', /canary-token-[a-z0-9-]+/gi],
  ['IAM tokens', /MII[A-Za-z0-9+/]{100,}/g],
];

interface Place {
  name: string;
  text: string;
  /** A count that proves the place was really read (what it should contain). */
  control: string;
}

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

/** Decodes every payload (`{metadata, data}` with base64 data) in a JSON tree into readable text. */
function payloadText(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => payloadText(n, out));
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.data === 'string' && record.metadata && typeof record.metadata === 'object') {
      out.push(Buffer.from(record.data, 'base64').toString('utf8'));
    }
    for (const value of Object.values(record)) payloadText(value, out);
  }
  return out;
}

/** JSON with protobuf byte arrays (Uint8Array / Buffer) shown as decoded text. */
function jsonWithBytes(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') {
      return Buffer.from((v as { data: number[] }).data).toString('utf8');
    }
    return v as unknown;
  });
}

interface Mode {
  name: string;
  queue: string;
  env: Record<string, string>;
  entry: 'worker' | 'cli';
  /** Wrong credentials: its runs should fail (or keep retrying) but leak nothing. */
  bad: boolean;
}

/** The stack, the temp dir and the auth modes, as set up. */
interface CanaryBase {
  ctx: ScenarioContext;
  sim: LocalStack['sim'];
  server: LocalStack['server'];
  dir: string;
  /** The dev server's SQLite file (its -wal and -shm beside it). */
  dbFile: string;
  /** Every worker's and CLI's environment before its auth mode is added. */
  common: Record<string, string>;
  /** The IAM settings (OTC `OS_*` names) with this password. */
  iam: (password: string) => Record<string, string>;
  modes: Mode[];
}

/** What the scenario's phases share once the workers run. */
interface Canary extends CanaryBase {
  workers: Map<Mode, WorkerProcess>;
  client: Client;
  /** Runs the CLI with every credential in the environment, as a user's shell would have it; keeps what it printed. */
  cli: (what: string, args: string[], env: Record<string, string>, timeoutMs?: number) => Promise<ChildRun>;
  cliRuns: { what: string; run: ChildRun }[];
  libraryRuns: { mode: Mode; workflowId: string; expect: 'succeeded' | 'failed' | 'any' }[];
}

/** The local stack with canary credentials, and the auth modes: three that work and four that cannot. */
async function setUp(ctx: ScenarioContext): Promise<CanaryBase> {
  const { scope } = ctx;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-chaos-4-'));
  scope.defer('remove temp dir', () => rm(dir, { recursive: true, force: true }));
  // The server keeps its state in a file: the sealed pass searches the database files themselves.
  const dbFile = path.join(dir, 'temporal.db');
  const stack = await startLocalStack({
    devServer: { dbFilename: dbFile },
    simulator: {
      seed: ctx.seed + 4,
      credentials: [{ accessKey: CANARY.accessKey, secretKey: CANARY.secretKey, securityToken: CANARY.securityToken }],
      users: [{ name: CANARY.username, password: CANARY.password, domainName: CANARY.domain, projectName: 'eu-de' }],
      staticTokens: [CANARY.token],
      defaults: { durationMs: 3000, progress: 'linear' },
    },
    credentials: { accessKey: CANARY.accessKey, secretKey: CANARY.secretKey },
  });
  scope.defer('stop the local stack', () => stack.close());
  const { server, sim } = stack;

  const common = {
    HOME: dir,
    // No task queue and no credentials: each mode sets its own.
    ...workerEnv({ server, sim }),
    LOG_LEVEL: 'debug',
    LOG_FORMAT: 'json',
  };
  const iam = (password: string) => ({
    OS_AUTH_URL: sim.iamUrl,
    OS_USERNAME: CANARY.username,
    OS_PASSWORD: password,
    OS_USER_DOMAIN_NAME: CANARY.domain,
    OS_PROJECT_NAME: 'eu-de',
  });
  return { ctx, sim, server, dir, dbFile, common, iam, modes: authModes(iam) };
}

function authModes(iam: (password: string) => Record<string, string>): Mode[] {
  return [
    {
      name: 'aksk+sts',
      queue: 'q-aksk',
      entry: 'worker',
      bad: false,
      env: {
        MODELARTS_ACCESS_KEY: CANARY.accessKey,
        MODELARTS_SECRET_KEY: CANARY.secretKey,
        MODELARTS_SECURITY_TOKEN: CANARY.securityToken,
      },
    },
    { name: 'iam (OS_*)', queue: 'q-iam', entry: 'cli', bad: false, env: iam(CANARY.password) },
    { name: 'token', queue: 'q-tok', entry: 'worker', bad: false, env: { MODELARTS_AUTH_TOKEN: CANARY.token } },
    {
      name: 'aksk wrong SK',
      queue: 'q-aksk-wrong-sk',
      entry: 'worker',
      bad: true,
      env: {
        MODELARTS_ACCESS_KEY: CANARY.accessKey,
        MODELARTS_SECRET_KEY: CANARY.wrongSecretKey,
        MODELARTS_SECURITY_TOKEN: CANARY.securityToken,
      },
    },
    {
      name: 'aksk unknown AK',
      queue: 'q-ak-unknown',
      entry: 'worker',
      bad: true,
      env: { MODELARTS_ACCESS_KEY: CANARY.unknownAccessKey, MODELARTS_SECRET_KEY: CANARY.secretKey },
    },
    { name: 'iam wrong password', queue: 'q-iam-wrong-pw', entry: 'cli', bad: true, env: iam(CANARY.wrongPassword) },
    {
      name: 'revoked token',
      queue: 'q-tok-revoked',
      entry: 'worker',
      bad: true,
      env: { MODELARTS_AUTH_TOKEN: CANARY.revokedToken },
    },
  ];
}

/** One worker per mode, with debug logs kept in full. */
async function startWorkers({
  ctx,
  modes,
  common,
}: Pick<Canary, 'ctx' | 'modes' | 'common'>): Promise<Map<Mode, WorkerProcess>> {
  const { scope, log } = ctx;
  const workers = new Map<Mode, WorkerProcess>();
  await Promise.all(
    modes.map(async (mode) => {
      const worker = await startWorkerProcess(
        { ...common, ...mode.env, TEMPORAL_TASK_QUEUE: mode.queue },
        mode.entry === 'cli'
          ? { entry: cliEntry, args: ['worker'], keepAll: true }
          : { entry: workerEntry, keepAll: true },
      );
      workers.set(mode, worker);
      scope.defer(`stop worker ${mode.name}`, () => worker.stop());
    }),
  );
  log(`${workers.size} workers up (${modes.map((m) => m.name).join(', ')})`);
  return workers;
}

/** The mode's own secret values, quoted in prose as a careless service or proxy would echo them. */
function echoed(mode: Mode): string {
  const values = Object.values(mode.env).filter((value) => SECRET_FAMILIES.some(([, family]) => value.match(family)));
  return values.map((value) => `'${value}'`).join(' and ');
}

/** Per working mode: a library run (tokens expire while it waits), a chain, a failing export and a plain one by CLI. */
async function runMode(c: Canary, mode: Mode, m: number): Promise<void> {
  const { sim, client, cli, dir, libraryRuns } = c;
  const queueEnv = { TEMPORAL_TASK_QUEUE: mode.queue };
  const slug = mode.queue;
  const ok = sim.createDataset({ dataset_name: `canary-ok-${m}` });
  if (mode.bad) {
    const workflowId = `canary-${slug}-export`;
    await startRun(
      client,
      {
        steps: [{ kind: 'export', datasetId: ok.dataset_id, request: { path: `/canary-bucket/${slug}/bad/` } }],
        wait: { policy: { minDelayMs: 200, initialDelayMs: 200, maxDelayMs: 1000 } },
      },
      { taskQueue: mode.queue, workflowId },
    );
    libraryRuns.push({ mode, workflowId, expect: 'any' });
    return;
  }
  const failing = sim.createDataset({
    dataset_name: `canary-fail-${m}`,
    behavior: {
      durationMs: 2500,
      progress: 'linear',
      // A service that echoes the caller's secrets in prose: redaction by value must keep them out of history.
      fail: {
        error_code: 'ModelArts.4352',
        error_msg: `Failed to write to OBS: access denied for the bucket; secret ${echoed(mode)} rejected`,
      },
    },
  });
  const policy = { minDelayMs: 200, initialDelayMs: 200, maxDelayMs: 1000 };
  // Library: one that succeeds; IAM tokens are expired while it waits (401, refresh).
  const workflowId = `canary-${slug}-library`;
  await startRun(
    client,
    {
      steps: [{ kind: 'export', datasetId: ok.dataset_id, request: { path: `/canary-bucket/${slug}/lib/` } }],
      wait: { policy },
    },
    { taskQueue: mode.queue, workflowId },
  );
  libraryRuns.push({ mode, workflowId, expect: 'succeeded' });
  // CLI: a chain into a new dataset and on to COCO, a failing export, a plain one with the progress view.
  const chain = path.join(dir, `chain-${slug}.json`);
  await writeFile(
    chain,
    JSON.stringify({
      steps: [
        {
          kind: 'export',
          datasetId: ok.dataset_id,
          request: {
            path: `/canary-bucket/${slug}/chain/`,
            export_params: {
              export_dest: 'NEW_DATASET',
              export_new_dataset_name: `canary-new-${m}`,
              export_new_dataset_work_path: `/canary-bucket/${slug}/new-dataset/`,
            },
          },
        },
        { kind: 'export', request: { path: `/canary-bucket/${slug}/coco/`, annotation_format: 'COCO' } },
      ],
      wait: { policy },
    }),
  );
  await Promise.all([
    cli(
      `${mode.name}: start --spec chain --wait --json`,
      ['start', '--spec', chain, '--id', `canary-${slug}-chain`, '--wait', '--json'],
      queueEnv,
    ),
    cli(
      `${mode.name}: start (FAILED task) --wait --json`,
      [
        'start',
        '--dataset',
        failing.dataset_id,
        '--path',
        `/canary-bucket/${slug}/fail/`,
        '--id',
        `canary-${slug}-fail`,
        '--wait',
        '--json',
      ],
      queueEnv,
    ),
    cli(
      `${mode.name}: start --wait (progress view)`,
      [
        'start',
        '--dataset',
        ok.dataset_id,
        '--path',
        `/canary-bucket/${slug}/cli/`,
        '--id',
        `canary-${slug}-cli`,
        '--wait',
      ],
      queueEnv,
    ),
  ]);
  await cli(`${mode.name}: status --json`, ['status', `canary-${slug}-chain`, '--json'], queueEnv);
  await cli(`${mode.name}: status`, ['status', `canary-${slug}-fail`], queueEnv);
  await cli(`${mode.name}: list --dataset`, ['list', '--dataset', ok.dataset_id], queueEnv);
}

/** All modes at once, while every issued IAM token is expired every 2 s (the IAM worker gets 401s and refreshes). */
async function runModes(c: Canary): Promise<number> {
  const perMode = c.modes.map((mode, m) => runMode(c, mode, m));
  const { signal } = c.ctx;
  const { sim } = c;
  let modesDone = false;
  let expiries = 0;
  const expiring = (async () => {
    while (!modesDone) {
      await sleep(2000, signal);
      sim.expireTokens();
      expiries++;
    }
  })();
  try {
    await Promise.all(perMode);
  } finally {
    modesDone = true;
  }
  await expiring;
  return expiries;
}

/** Configuration errors with secrets in the environment: the messages must not echo them. */
async function badConfigurations({ cli }: Canary): Promise<void> {
  await cli('worker with MODELARTS_TIMEOUT_MS=abc', ['worker'], { MODELARTS_TIMEOUT_MS: 'abc' }, 30_000);
  await cli(
    'worker with a password in MODELARTS_ENDPOINT',
    ['worker'],
    { MODELARTS_ENDPOINT: `http://${CANARY.username}:${CANARY.password}@127.0.0.1:9/` },
    30_000,
  );
  await cli('worker with every auth mode at once', ['worker'], { MODELARTS_AUTH_TOKEN: CANARY.token }, 30_000);
  await cli('start --dry-run', ['start', '--dataset', 'dsdry', '--path', '/canary-bucket/dry/', '--dry-run'], {});
}

/** Library runs: bounded waits; runs with wrong credentials may fail or keep retrying. */
async function awaitLibraryRuns({ client, libraryRuns }: Canary): Promise<Map<string, RunOutcome | 'still running'>> {
  const outcomes = new Map<string, RunOutcome | 'still running'>();
  await Promise.all(
    libraryRuns.map(async (r) => {
      try {
        outcomes.set(r.workflowId, await withTimeout(awaitRun(client, r.workflowId), 60_000, r.workflowId));
      } catch {
        outcomes.set(r.workflowId, 'still running');
      }
    }),
  );
  return outcomes;
}

/** Every place a secret could land: histories, descriptions, search attributes, memos, summaries, logs, CLI output. */
async function collectPlaces({ client, workers, cliRuns }: Canary): Promise<{ places: Place[]; runs: number }> {
  const places: Place[] = [];
  const executions: { workflowId: string; runId: string; running: boolean }[] = [];
  const attributes: string[] = [];
  const memos: string[] = [];
  const summaries: string[] = [];
  const descriptions: string[] = [];
  for await (const w of client.workflow.list()) {
    executions.push({ workflowId: w.workflowId, runId: w.runId, running: w.status.name === 'RUNNING' });
    attributes.push(jsonWithBytes(w.searchAttributes), jsonWithBytes(w.typedSearchAttributes));
    memos.push(jsonWithBytes(w.memo ?? {}));
  }
  for (const e of executions) {
    const d = await client.workflow.getHandle(e.workflowId, e.runId).describe();
    summaries.push(`${(await d.staticSummary()) ?? ''}\n${(await d.staticDetails()) ?? ''}`);
    attributes.push(jsonWithBytes(d.searchAttributes));
    memos.push(jsonWithBytes(d.memo ?? {}));
    const raw = JSON.parse(jsonWithBytes(d.raw)) as unknown;
    descriptions.push(JSON.stringify(raw), ...payloadText(raw));
  }
  // Runs still retrying (wrong credentials) are terminated, so their histories are complete.
  const stuck = executions.filter((e) => e.running && !e.workflowId.includes('.step-'));
  for (const e of stuck) {
    await client.workflow
      .getHandle(e.workflowId)
      .terminate('secrets canary: wrong credentials, stopped after the bounded wait')
      .catch(() => undefined);
  }
  let events = 0;
  const histories: string[] = [];
  for (const e of executions) {
    const history = await client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
    events += history.events?.length ?? 0;
    const json = historyToJSON(history);
    histories.push(json, ...payloadText(JSON.parse(json)));
  }
  const bucketMentions = (text: string) => `${count(text, /canary-bucket/g)} bucket paths`;
  const historyText = histories.join('\n');
  places.push({
    name: `histories (${executions.length} runs, ${events} events)`,
    text: historyText,
    // The failing tasks' echoes arrived, and were blanked: the search above is not vacuous.
    control: `${bucketMentions(historyText)}, ${count(historyText, /\[REDACTED\]/g)} secrets blanked`,
  });
  const descriptionText = descriptions.join('\n');
  places.push({
    name: 'descriptions (pending activities)',
    text: descriptionText,
    control: bucketMentions(descriptionText),
  });
  const attributeText = attributes.join('\n');
  places.push({
    name: 'search attributes',
    text: attributeText,
    control: `${count(attributeText, /ModelArtsDatasetId/g)} dataset ids`,
  });
  const memoText = memos.join('\n');
  places.push({ name: 'memos', text: memoText, control: `${memos.filter((m) => m !== '{}').length} non-empty` });
  const summaryText = summaries.join('\n');
  places.push({ name: 'static summaries + details', text: summaryText, control: bucketMentions(summaryText) });
  for (const [mode, worker] of workers) {
    const out = worker.output();
    places.push({
      name: `worker log: ${mode.name}`,
      text: out,
      control: `${count(out, /"level":20/g)} debug lines, ${out.split('\n').length} lines`,
    });
  }
  const cliText = cliRuns.map((c) => `${c.run.stdout}\n${c.run.stderr}`).join('\n');
  places.push({ name: `CLI output (${cliRuns.length} commands)`, text: cliText, control: `${cliText.length} chars` });

  if (process.env.CHAOS_DUMP_DIR) {
    for (const place of places)
      await writeFile(
        path.join(process.env.CHAOS_DUMP_DIR, `${place.name.replace(/[^a-z0-9]+/gi, '_')}.txt`),
        place.text,
      );
  }
  return { places, runs: executions.length };
}

function report(
  c: Canary,
  places: Place[],
  runs: number,
  outcomes: Map<string, RunOutcome | 'still running'>,
  expiries: number,
  began: number,
): ScenarioResult {
  const { cliRuns, libraryRuns, sim, modes } = c;
  const details: string[] = [];
  const findings: string[] = [];
  const header = SECRET_FAMILIES.map(([name]) => cell(name, 10)).join(' ');
  details.push(`    ${cell('place', 44)} ${header} ${cell('total', 6)} control`);
  let leaks = 0;
  for (const place of places) {
    const counts = SECRET_FAMILIES.map(([, re]) => count(place.text, re));
    const total = counts.reduce((a, b) => a + b, 0);
    leaks += total;
    details.push(
      `    ${cell(place.name, 44)} ${counts.map((c) => cell(String(c), 10)).join(' ')} ${cell(String(total), 6)} ${place.control}`,
    );
    if (total > 0) {
      for (const [name, re] of SECRET_FAMILIES) {
        const at = place.text.search(new RegExp(re.source, re.flags.replace('g', '')));
        if (at >= 0) {
          const context = place.text.slice(Math.max(0, at - 160), at + 60).replace(/\s+/g, ' ');
          findings.push(`secret (${name}) in ${place.name}: …${context}…`);
        }
      }
    }
  }

  // Outcomes, to show which paths were exercised.
  const outcomeLines: string[] = [];
  for (const r of libraryRuns) {
    const o = outcomes.get(r.workflowId);
    const text =
      o === undefined ? 'unknown' : o === 'still running' ? 'still retrying after 60 s (terminated)' : o.outcome;
    outcomeLines.push(`${r.mode.name}: ${text}`);
    if (r.expect === 'succeeded' && (o === undefined || o === 'still running' || o.outcome !== 'succeeded')) {
      const why = o === undefined || o === 'still running' ? String(o) : `${o.outcome}: ${o.message}`;
      findings.push(`canary run ${r.workflowId} (${r.mode.name}) did not succeed: ${why}`);
    }
  }
  const cliCodes = cliRuns.map((c) => `${c.run.code ?? c.run.signal}`);
  const expectedCli = cliRuns.filter((c) => {
    if (c.what.includes('FAILED')) return c.run.code === 1;
    if (c.what.startsWith('worker with')) return c.run.code === 2;
    return c.run.code === 0;
  }).length;
  const counters = sim.counters();
  details.push(`    library runs: ${outcomeLines.join('; ')}`);
  details.push(
    `    CLI exit codes: ${cliCodes.join(' ')} (${expectedCli}/${cliRuns.length} as expected); IAM tokens expired ${expiries} times, issued ${counters.total.tokensIssued}, 401s ${counters.total.authFailures}, 5xx ${counters.faultsInjected.serverErrors}, 429 ${counters.faultsInjected.throttled}`,
  );
  if (expectedCli !== cliRuns.length) {
    for (const c of cliRuns)
      details.push(
        `      ${c.what}: exit ${c.run.code ?? c.run.signal}: ${c.run.stderr.split('\n').slice(-3).join(' | ').slice(0, 200)}`,
      );
  }
  const exercised =
    counters.total.authFailures > 0 && counters.total.tokensIssued >= 2 && counters.faultsInjected.serverErrors > 0;
  if (!exercised) findings.push('secrets canary: 401/refresh or fault paths were not exercised');
  const ok =
    leaks === 0 && expectedCli === cliRuns.length && exercised && !findings.some((f) => f.startsWith('canary run'));
  const summary =
    `${ok ? 'PASS' : 'FAIL'} ${leaks} secret occurrences in ${places.length} places (${runs} workflow runs, ` +
    `${modes.length} auth setups, ${cliRuns.length} CLI commands; 401s ${counters.total.authFailures}, IAM tokens issued ${counters.total.tokensIssued}); ` +
    `${Math.round((Date.now() - began) / 1000)} s`;
  return { ok, summary, details, findings };
}

async function runSecrets(ctx: ScenarioContext): Promise<ScenarioResult> {
  const began = Date.now();
  const { scope } = ctx;
  const base = await setUp(ctx);
  const workers = await startWorkers(base);
  const clients = new SwappableClient(base.server.address);
  scope.defer('close client', () => clients.close());
  const client: Client = await clients.connect();
  // Transient errors on status reads, so failed reads (and their messages) land in the histories.
  base.sim.setFaults({ serverErrorRate: 0.15, throttleRate: 0.1, retryAfterSeconds: 1, onlyPaths: 'status' });
  const allSecrets = {
    MODELARTS_ACCESS_KEY: CANARY.accessKey,
    MODELARTS_SECRET_KEY: CANARY.secretKey,
    MODELARTS_SECURITY_TOKEN: CANARY.securityToken,
    ...base.iam(CANARY.password),
    OS_TOKEN: CANARY.token,
  };
  const cliRuns: Canary['cliRuns'] = [];
  const cli: Canary['cli'] = async (what, args, env, timeoutMs = 120_000) => {
    const run = await runNode([cliEntry, ...args], { ...base.common, ...allSecrets, ...env }, timeoutMs);
    cliRuns.push({ what, run });
    return run;
  };
  const c: Canary = { ...base, workers, client, cli, cliRuns, libraryRuns: [] };
  const expiries = await runModes(c);
  await badConfigurations(c);
  const outcomes = await awaitLibraryRuns(c);
  const { places, runs } = await collectPlaces(c);
  const result = report(c, places, runs, outcomes, expiries, began);
  const aksk = base.modes.find((m) => m.name === 'aksk+sts')!;
  const sealed = await runSealedPass(ctx, base, { ...base.common, ...aksk.env }, base.dir, client, base.dbFile);
  return withSealedPass(result, sealed);
}

/** The sealed pass's table (one row per place, one column per kind of value), figures and verdict. */
function withSealedPass(result: ScenarioResult, s: SealedPassResult): ScenarioResult {
  const expectedFailed = Math.floor((s.runs + 1) / 4); // every 4th run's task fails (i % 4 === 3)
  const outcomesOk = s.failed === expectedFailed && s.succeeded === s.runs - expectedFailed;
  const findings = [...(result.findings ?? []), ...s.leaks.map((l) => `sealed pass: in clear: ${l}`)];
  if (!outcomesOk)
    findings.push(`sealed pass: ${s.succeeded} succeeded / ${s.failed} failed, expected ${expectedFailed} failed`);
  if (s.sealedPayloads === 0) findings.push('sealed pass: no binary/encrypted payload read: the search was vacuous');
  // Where the control runs' values are in clear, the same search must find them.
  const blind = s.rows.filter((r) => r.control === 0);
  for (const r of blind) findings.push(`sealed pass: the search found no control value in ${r.place}: it cannot see`);
  const x = s.crossTenant;
  const crossOk =
    x.otherAsked > 0 && x.otherDecoded === 0 && x.noTokenDecoded === 0 && x.ownDecoded === x.ownAsked && x.ownAsked > 0;
  if (!crossOk) findings.push(`sealed pass: cross-tenant decode: ${JSON.stringify(x)}`);
  const ok = s.occurrences === 0 && s.sealedPayloads > 0 && outcomesOk && blind.length === 0 && crossOk;

  const kinds = [...(s.rows[0]?.counts.keys() ?? [])];
  const details = [
    `    sealed pass: ${s.runs} sealed runs (${s.succeeded} succeeded, ${s.failed} failed) of 2 tenants; ` +
      `${s.controlRuns} clear control runs (${s.controlFailed} failed); spans dropped ${s.spansDropped}`,
    `    ${cell('place', 62)} ${cell('bytes', 11)} ${kinds.map((k) => cell(k, 12)).join(' ')} ${cell('control', 8)} read`,
  ];
  let bytes = 0;
  for (const r of s.rows) {
    bytes += r.bytes;
    details.push(
      `    ${cell(r.place, 62)} ${cell(String(r.bytes), 11)} ${kinds.map((k) => cell(String(r.counts.get(k) ?? 0), 12)).join(' ')} ${cell(r.control === undefined ? 'n/a' : String(r.control), 8)} ${r.note}`,
    );
  }
  const cross =
    `cross-tenant decode: team-a's token on ${x.otherAsked} of team-b's sealed payloads decoded ${x.otherDecoded}; ` +
    `no token decoded ${x.noTokenDecoded} of ${x.noTokenAsked} (HTTP ${x.noTokenStatus}); each tenant's own token ` +
    `decoded ${x.ownDecoded} of ${x.ownAsked}`;
  details.push(`    ${cross}`);
  const line =
    `sealed pass ${ok ? 'PASS' : 'FAIL'}: ${s.runs} sealed runs, ${bytes} bytes in ${s.rows.length} places searched, ` +
    `${s.occurrences} occurrences of dataset ids, OBS paths, dataset names or error_msg; ${cross}`;
  return {
    ok: result.ok && ok,
    summary: `${result.summary}; ${line}`,
    details: [...result.details, ...details],
    findings,
  };
}

export const secretsScenario: Scenario = {
  id: '4',
  name: 'secrets canary',
  // The sealed pass: 20 runs quick, 1,000 in full.
  timeoutMs: (quick) => (quick ? 420_000 : 2_100_000),
  run: runSecrets,
};
