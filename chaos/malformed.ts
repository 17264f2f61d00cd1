/**
 * Scenario 3: malformed input is refused before anything is created, with a message naming what is wrong.
 *
 * Inputs go through every door a user has: CLI flags (`run(argv, io)` in-process), run specs (`parsePipelineSpec`
 * and `start --spec FILE`), and the environment (`workerConfigFromEnv`, and the worker and CLI as child
 * processes, which must exit 2). The CLI points at a real dev server with a live worker and the simulator, so an
 * input that is wrongly accepted really creates an export task; the simulator must record zero creates, and no
 * workflow may exist. A valid control run at the end proves the setup would have noticed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run as runCli } from '../cli/main.js';
import { workerConfigFromEnv } from '../config.js';
// The public export, which stays put when modules inside src/ move.
import { ConfigError } from '../index.js';
import { cliEntry, workerEntry } from '../local/paths.js';
import { startLocalStack, type LocalStack } from '../local/stack.js';
import { startWorkerProcess } from '../local/worker-process.js';
import { SpecError, parsePipelineSpec } from '../spec/pipeline.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';
import { cell, runNode, SwappableClient } from './support.js';

const CREDENTIALS = { accessKey: 'CHAOSAKEXAMPLE0003', secretKey: 'chaos-secret-key-0003' };

interface Verdict {
  rejected: boolean;
  /** What the user sees (stderr + stdout, or the error message). */
  message: string;
  how: string;
}

interface Case {
  channel: 'cli' | 'spec' | 'spec-file' | 'env' | 'env-process';
  input: string;
  /** Every one must appear in the message; the first is what the table shows as the expected field. */
  expect: string[];
  check: () => Promise<Verdict>;
}

class Capture {
  text = '';
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

/** The line of the message that names the expected field, shortened. */
function excerpt(message: string, field: string): string {
  const lines = message.split('\n').filter((l) => l.trim() !== '');
  const line = (lines.find((l) => l.includes(field)) ?? lines[0] ?? '').replace(/^\s*(?:- |error: )/, '');
  const at = line.indexOf(field);
  if (at < 40) return line.trim();
  // Start at a word boundary a little before the field.
  const from = line.lastIndexOf(' ', at - 10);
  return `…${line.slice(from < 0 ? at : from + 1).trim()}`;
}

/** The local stack a wrongly accepted input would really reach, and the doors the cases go through. */
interface Setup {
  DS: string;
  dir: string;
  /** `start` with a valid dataset and path: the cases add one bad flag to it. */
  base: string[];
  cliEnv: Record<string, string>;
  workerEnv: Record<string, string>;
  sim: LocalStack['sim'];
  server: LocalStack['server'];
  cli: (argv: string[], env?: Record<string, string>, interrupt?: boolean) => Promise<Verdict>;
}

async function setUp(ctx: ScenarioContext): Promise<Setup> {
  const { scope } = ctx;
  const taskQueue = 'chaos-3';
  const stack = await startLocalStack({
    simulator: { seed: ctx.seed + 3, defaults: { durationMs: 1000, progress: 'linear' } },
    credentials: CREDENTIALS,
    taskQueue,
  });
  scope.defer('stop the local stack', () => stack.close());
  const { server, sim } = stack;
  const dataset = sim.createDataset({ dataset_name: 'chaos-malformed' });
  const DS = dataset.dataset_id;
  const workerEnv = stack.workerEnv();
  const worker = await startWorkerProcess(workerEnv);
  scope.defer('stop worker', () => worker.kill());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-chaos-3-'));
  scope.defer('remove temp dir', () => rm(dir, { recursive: true, force: true }));

  const cliEnv = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
  };
  // A wrongly accepted long-running command (simulator, worker) is "interrupted" at once; the control run waits.
  const cli = async (argv: string[], env: Record<string, string> = cliEnv, interrupt = true): Promise<Verdict> => {
    const stdout = new Capture();
    const stderr = new Capture();
    const waitForStop = () => (interrupt ? Promise.resolve('SIGTERM') : new Promise<string>(() => undefined));
    const code = await runCli(argv, { stdout, stderr, env, waitForStop });
    return { rejected: code === 2, message: `${stderr.text}${stdout.text}`, how: `exit ${code}` };
  };

  const base = ['start', '--dataset', DS, '--path', '/chaos-bucket/malformed/'];
  return { DS, dir, base, cliEnv, workerEnv, sim, server, cli };
}

function cliCases({ DS, dir, base, cli }: Setup): Case[] {
  const cases: Case[] = [];
  const flagCases: [string[], string[]][] = [
    [['start'], ['--dataset', '--path']],
    [['start', '--dataset', DS], ['--path']],
    [['start', '--path', '/chaos-bucket/malformed/'], ['--dataset']],
    [['start', '--dataset', DS, '--path', 'chaos-bucket/no-slash/'], ['--path']],
    [['start', '--dataset', DS, '--path', '/Chaos_Bucket/upper/'], ['--path']],
    [['start', '--dataset', DS, '--path', '/chaos-bucket//double/'], ['--path']],
    [['start', '--dataset', DS, '--path', 'https://chaos-bucket/dir/'], ['--path']],
    [['start', '--dataset', DS, '--path', '/chaos-bucket/with space/'], ['--path']],
    [['start', '--dataset', DS, '--path', '/chaos-bucket/{nope}/'], ['--path']],
    [['start', '--dataset', 'a/b', '--path', '/chaos-bucket/x/'], ['--dataset']],
    [['start', '--dataset', 'has space', '--path', '/chaos-bucket/x/'], ['--dataset']],
    [[...base, '--export-type', 'everything'], ['--export-type']],
    [[...base, '--format', '7'], ['--format']],
    [[...base, '--annotation-format', 'YOLO'], ['--annotation-format']],
    [[...base, '--version-format', 'CSVX'], ['--version-format']],
    [[...base, '--version-id', 'v?1'], ['--version-id']],
    [[...base, '--sample-state', 'maybe'], ['--sample-state']],
    [[...base, '--source-type-header', 'ftp://'], ['--source-type-header']],
    [[...base, '--new-dataset', 'flowers'], ['--new-dataset-work-path']],
    [[...base, '--new-dataset-work-path', '/chaos-bucket/nd/'], ['--new-dataset']],
    [[...base, '--new-dataset', 'bad name!', '--new-dataset-work-path', '/chaos-bucket/nd/'], ['--new-dataset']],
    [[...base, '--new-dataset', 'flowers', '--new-dataset-work-path', '/chaos-bucket'], ['--new-dataset-work-path']],
    [[...base, '--new-dataset-version-name', 'v'.repeat(40)], ['--new-dataset-version-name']],
    [[...base, '--new-dataset-version-format', 'NOPE'], ['--new-dataset-version-format']],
    [[...base, '--train-sample-ratio', '1.5'], ['--train-sample-ratio']],
    [[...base, '--train-sample-ratio', '0.333'], ['--train-sample-ratio']],
    [[...base, '--deadline', 'soon'], ['--deadline']],
    [[...base, '--deadline', '0'], ['--deadline']],
    [[...base, '--deadline', '-5m'], ['--deadline']],
    [[...base, '--search-condition', 'not json'], ['--search-condition']],
    [
      [...base, '--search-condition', '{"bogus":1}'],
      ['--search-condition', 'bogus'],
    ],
    [
      [...base, '--search-condition', '{"sample_time":"yesterday"}'],
      ['--search-condition', 'sample_time'],
    ],
    [[...base, '--samples', ',,'], ['--samples']],
    [
      [...base, '--with-column-header', '--no-column-header'],
      ['--with-column-header', '--no-column-header'],
    ],
    [[...base, '--summary', 's'.repeat(300)], ['--summary']],
    [[...base, '--id', ''], ['--id']],
    [[...base, '--colour', 'red'], ['--colour']],
    [['start', '--path', '/chaos-bucket/x/', '--dataset'], ['--dataset']],
    [['strat', '--dataset', DS], ['strat']],
    [['status'], ['id']],
    [['cancel'], ['id']],
    [['start', '--spec', path.join(dir, 'missing.json')], ['--spec']],
    [['list', '--dataset', 'a b'], ['--dataset']],
    [['list', '--status', 'sleeping'], ['--status']],
    [['list', '--limit', '0'], ['--limit']],
    [['simulator', '--port', 'http'], ['--port']],
  ];
  for (const [argv, expect] of flagCases) {
    const shown = argv.map((a) => (a === DS ? 'DS' : a.length > 24 ? `${a.slice(0, 12)}…(${a.length})` : a));
    cases.push({ channel: 'cli', input: shown.join(' ') || '(empty)', expect, check: () => cli(argv) });
  }
  return cases;
}

/** Each spec through parsePipelineSpec and through `start --spec FILE`, and two files that are not JSON at all. */
function specCases({ DS, dir, cli }: Setup): Case[] {
  const cases: Case[] = [];
  const ok = { kind: 'export', datasetId: DS, request: { path: '/chaos-bucket/spec/' } };
  const withRequest = (extra: Record<string, unknown>) => ({
    steps: [{ ...ok, request: { ...ok.request, ...extra } }],
  });
  const specCases: [string, unknown, string[]][] = [
    ['{}', {}, ['steps']],
    ['steps: []', { steps: [] }, ['steps']],
    ['steps: {}', { steps: {} }, ['steps']],
    ['steps: ["export"]', { steps: ['export'] }, ['steps[0]']],
    ['no datasetId', { steps: [{ kind: 'export', request: ok.request }] }, ['steps[0].datasetId']],
    ['datasetId "a/b"', { steps: [{ ...ok, datasetId: 'a/b' }] }, ['steps[0].datasetId']],
    ['kind "delete"', { steps: [{ ...ok, kind: 'delete' }] }, ['steps[0].kind']],
    ['no request', { steps: [{ kind: 'export', datasetId: DS }] }, ['steps[0].request']],
    ['request without path', { steps: [{ ...ok, request: {} }] }, ['steps[0].request.path']],
    ['path 42', withRequest({ path: 42 }), ['steps[0].request.path']],
    ['path "bucket"', withRequest({ path: 'bucket' }), ['steps[0].request.path']],
    ['export_format 7', withRequest({ export_format: 7 }), ['steps[0].request.export_format']],
    ['export_type "all"', withRequest({ export_type: 'all' }), ['steps[0].request.export_type']],
    ['annotation_format "YOLO"', withRequest({ annotation_format: 'YOLO' }), ['steps[0].request.annotation_format']],
    ['with_column_header "yes"', withRequest({ with_column_header: 'yes' }), ['with_column_header']],
    ['request.colour', withRequest({ colour: 'red' }), ['steps[0].request.colour']],
    ['top-level "stepz"', { steps: [ok], stepz: [] }, ['stepz']],
    [
      'NEW_DATASET without name',
      withRequest({ export_params: { export_dest: 'NEW_DATASET' } }),
      ['export_new_dataset_name'],
    ],
    ['train_sample_ratio "2"', withRequest({ export_params: { train_sample_ratio: '2' } }), ['train_sample_ratio']],
    [
      'two labels, no op',
      withRequest({
        export_params: { search_conditions: [{ label_list: { labels: [{ name: 'a' }, { name: 'b' }] } }] },
      }),
      ['label_list.op'],
    ],
    ['wait.deadline "soon"', { steps: [ok], wait: { deadline: 'soon' } }, ['wait.deadline']],
    ['wait.deadline -1', { steps: [ok], wait: { deadline: -1 } }, ['wait.deadline']],
    ['wait.maxReadsPerRun 1', { steps: [ok], wait: { maxReadsPerRun: 1 } }, ['wait.maxReadsPerRun']],
    ['policy.minDelayMs -5', { steps: [ok], wait: { policy: { minDelayMs: -5 } } }, ['minDelayMs']],
    [
      'policy max < min',
      { steps: [ok], wait: { policy: { minDelayMs: 5000, maxDelayMs: 1000, initialDelayMs: 1000 } } },
      ['maxDelayMs'],
    ],
    ['policy.bogus', { steps: [ok], wait: { policy: { bogus: 1 } } }, ['wait.policy.bogus']],
    ['summary of 300 chars', { steps: [ok], summary: 'x'.repeat(300) }, ['summary']],
    ['wait-task without taskId', { steps: [ok, { kind: 'wait-task' }] }, ['steps[1].taskId']],
    [
      'task_type "magic"',
      { steps: [{ kind: 'intelligent-task', datasetId: DS, request: { task_type: 'magic' } }] },
      ['steps[0].request.task_type'],
    ],
    ['steps[1] unknown field', { steps: [ok, { ...ok, extra: true }] }, ['steps[1].extra']],
  ];
  let fileNo = 0;
  for (const [input, spec, expect] of specCases) {
    cases.push({
      channel: 'spec',
      input,
      expect,
      check: async () => {
        try {
          parsePipelineSpec(spec);
          return { rejected: false, message: '(accepted)', how: 'accepted' };
        } catch (err) {
          return { rejected: err instanceof SpecError, message: (err as Error).message, how: (err as Error).name };
        }
      },
    });
    const file = path.join(dir, `spec-${++fileNo}.json`);
    cases.push({
      channel: 'spec-file',
      input: `start --spec (${input})`,
      expect,
      check: async () => {
        await writeFile(file, JSON.stringify(spec));
        return cli(['start', '--spec', file, '--wait']);
      },
    });
  }
  for (const [input, text] of [
    ['not JSON', '{"steps": [ '],
    ['empty file', ''],
  ] as const) {
    const file = path.join(dir, `spec-${++fileNo}.json`);
    cases.push({
      channel: 'spec-file',
      input: `start --spec (${input})`,
      expect: ['--spec', 'JSON'],
      check: async () => {
        await writeFile(file, text);
        return cli(['start', '--spec', file]);
      },
    });
  }
  return cases;
}

/** The worker's environment with `patch` applied (undefined removes a variable). */
function envWith({ workerEnv, dir }: Setup, patch: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string | undefined> = { ...workerEnv, HOME: dir, ...patch };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The environment through workerConfigFromEnv. */
function environmentCases(setup: Setup): Case[] {
  const { sim, dir } = setup;
  const cases: Case[] = [];
  const envCases: [string, Record<string, string | undefined>, string[]][] = [
    ['MODELARTS_ENDPOINT unset', { MODELARTS_ENDPOINT: undefined }, ['MODELARTS_ENDPOINT']],
    ['MODELARTS_ENDPOINT no scheme', { MODELARTS_ENDPOINT: 'modelarts.example.com' }, ['MODELARTS_ENDPOINT']],
    ['MODELARTS_ENDPOINT ftp://', { MODELARTS_ENDPOINT: 'ftp://127.0.0.1/' }, ['MODELARTS_ENDPOINT']],
    [
      'MODELARTS_ENDPOINT with /v2/{project}',
      { MODELARTS_ENDPOINT: `${sim.url}/v2/${sim.projectId}` },
      ['MODELARTS_ENDPOINT'],
    ],
    ['MODELARTS_ENDPOINT with user:pass@', { MODELARTS_ENDPOINT: 'http://u:p@127.0.0.1:9/' }, ['MODELARTS_ENDPOINT']],
    ['MODELARTS_ENDPOINT with ?query', { MODELARTS_ENDPOINT: `${sim.url}/?region=x` }, ['MODELARTS_ENDPOINT']],
    ['MODELARTS_PROJECT_ID unset', { MODELARTS_PROJECT_ID: undefined }, ['MODELARTS_PROJECT_ID']],
    ['MODELARTS_PROJECT_ID "bad id!"', { MODELARTS_PROJECT_ID: 'bad id!' }, ['MODELARTS_PROJECT_ID']],
    ['MODELARTS_TIMEOUT_MS "abc"', { MODELARTS_TIMEOUT_MS: 'abc' }, ['MODELARTS_TIMEOUT_MS']],
    ['MODELARTS_TIMEOUT_MS "0"', { MODELARTS_TIMEOUT_MS: '0' }, ['MODELARTS_TIMEOUT_MS']],
    ['AK without SK', { MODELARTS_SECRET_KEY: undefined }, ['MODELARTS_SECRET_KEY']],
    ['AK/SK and a token', { MODELARTS_AUTH_TOKEN: 'tok' }, ['MODELARTS_AUTH_TOKEN', 'MODELARTS_ACCESS_KEY']],
    [
      'no authentication',
      { MODELARTS_ACCESS_KEY: undefined, MODELARTS_SECRET_KEY: undefined },
      ['MODELARTS_ACCESS_KEY'],
    ],
    [
      'security token alone',
      { MODELARTS_ACCESS_KEY: undefined, MODELARTS_SECRET_KEY: undefined, MODELARTS_SECURITY_TOKEN: 'x' },
      ['MODELARTS_ACCESS_KEY'],
    ],
    [
      'IAM user+password only',
      {
        MODELARTS_ACCESS_KEY: undefined,
        MODELARTS_SECRET_KEY: undefined,
        MODELARTS_USERNAME: 'u',
        MODELARTS_PASSWORD: 'p',
      },
      ['MODELARTS_IAM_ENDPOINT'],
    ],
    [
      'MODELARTS_IAM_ENDPOINT "iam"',
      {
        MODELARTS_ACCESS_KEY: undefined,
        MODELARTS_SECRET_KEY: undefined,
        MODELARTS_IAM_ENDPOINT: 'iam',
        MODELARTS_USERNAME: 'u',
        MODELARTS_PASSWORD: 'p',
        MODELARTS_DOMAIN_NAME: 'd',
        MODELARTS_PROJECT_NAME: 'eu-de',
      },
      ['MODELARTS_IAM_ENDPOINT'],
    ],
    [
      'OS_USERNAME+OS_PASSWORD only',
      { MODELARTS_ACCESS_KEY: undefined, MODELARTS_SECRET_KEY: undefined, OS_USERNAME: 'u', OS_PASSWORD: 'p' },
      ['OS_AUTH_URL'],
    ],
    [
      'WORKER_MAX_CONCURRENT_ACTIVITIES "lots"',
      { WORKER_MAX_CONCURRENT_ACTIVITIES: 'lots' },
      ['WORKER_MAX_CONCURRENT_ACTIVITIES'],
    ],
    [
      'WORKER_MAX_CONCURRENT_ACTIVITIES "0"',
      { WORKER_MAX_CONCURRENT_ACTIVITIES: '0' },
      ['WORKER_MAX_CONCURRENT_ACTIVITIES'],
    ],
    [
      'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS "1"',
      { WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' },
      ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'],
    ],
    ['WORKER_MAX_CACHED_WORKFLOWS "1.5"', { WORKER_MAX_CACHED_WORKFLOWS: '1.5' }, ['WORKER_MAX_CACHED_WORKFLOWS']],
    ['WORKER_SHUTDOWN_GRACE_SECONDS "-1"', { WORKER_SHUTDOWN_GRACE_SECONDS: '-1' }, ['WORKER_SHUTDOWN_GRACE_SECONDS']],
    ['WORKER_METRICS_ADDRESS "nope"', { WORKER_METRICS_ADDRESS: 'nope' }, ['WORKER_METRICS_ADDRESS']],
    ['TEMPORAL_TASK_QUEUE "   "', { TEMPORAL_TASK_QUEUE: '   ' }, ['TEMPORAL_TASK_QUEUE']],
    ['TEMPORAL_PROFILE "nope"', { TEMPORAL_PROFILE: 'nope' }, ['nope']],
    ['TEMPORAL_TLS "yes"', { TEMPORAL_TLS: 'yes' }, ['TEMPORAL_TLS']],
    [
      'TEMPORAL_TLS_CLIENT_CERT_PATH missing file',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'missing.pem') },
      ['TEMPORAL_TLS_CLIENT_CERT_PATH'],
    ],
    [
      'WORKFLOW_BUNDLE_PATH missing file',
      { WORKFLOW_BUNDLE_PATH: path.join(dir, 'missing-bundle.js') },
      ['WORKFLOW_BUNDLE_PATH'],
    ],
  ];
  for (const [input, patch, expect] of envCases) {
    cases.push({
      channel: 'env',
      input,
      expect,
      check: async () => {
        try {
          workerConfigFromEnv(envWith(setup, patch));
          return { rejected: false, message: '(accepted)', how: 'accepted' };
        } catch (err) {
          return { rejected: err instanceof ConfigError, message: (err as Error).message, how: (err as Error).name };
        }
      },
    });
  }
  return cases;
}

/** The processes themselves: bad configuration must exit 2 before anything starts. */
function processCases(setup: Setup): Case[] {
  const { base } = setup;
  const cases: Case[] = [];
  const processCases: [string, string[], Record<string, string | undefined>, string[]][] = [
    ['worker: MODELARTS_ENDPOINT unset', [workerEntry], { MODELARTS_ENDPOINT: undefined }, ['MODELARTS_ENDPOINT']],
    ['worker: AK without SK', [workerEntry], { MODELARTS_SECRET_KEY: undefined }, ['MODELARTS_SECRET_KEY']],
    [
      'worker: WORKER_MAX_CONCURRENT_ACTIVITIES "0"',
      [workerEntry],
      { WORKER_MAX_CONCURRENT_ACTIVITIES: '0' },
      ['WORKER_MAX_CONCURRENT_ACTIVITIES'],
    ],
    [
      'worker: TEMPORAL_ADDRESS "not a host:port:x"',
      [workerEntry],
      { TEMPORAL_ADDRESS: 'not a host:port:x' },
      ['TEMPORAL_ADDRESS'],
    ],
    [
      'cli worker: MODELARTS_PROJECT_ID "bad id!"',
      [cliEntry, 'worker'],
      { MODELARTS_PROJECT_ID: 'bad id!' },
      ['MODELARTS_PROJECT_ID'],
    ],
    [
      'cli worker: TEMPORAL_TASK_QUEUE "   "',
      [cliEntry, 'worker'],
      { TEMPORAL_TASK_QUEUE: '   ' },
      ['TEMPORAL_TASK_QUEUE'],
    ],
    [
      'cli start: TEMPORAL_TASK_QUEUE "   "',
      [cliEntry, ...base],
      { TEMPORAL_TASK_QUEUE: '   ' },
      ['TEMPORAL_TASK_QUEUE'],
    ],
    [
      'cli start: TEMPORAL_ADDRESS unreachable',
      [cliEntry, ...base],
      { TEMPORAL_ADDRESS: '127.0.0.1:9' },
      ['TEMPORAL_ADDRESS'],
    ],
  ];
  for (const [input, args, patch, expect] of processCases) {
    cases.push({
      channel: 'env-process',
      input,
      expect,
      check: async () => {
        const r = await runNode(args, { ...envWith(setup, patch), LOG_FORMAT: 'json' }, 30_000);
        return {
          rejected: r.code === 2,
          message: `${r.stderr}${r.stdout}`,
          how: r.timedOut ? 'still running after 30 s' : `exit ${r.code ?? r.signal}`,
        };
      },
    });
  }
  return cases;
}

/** The cheap in-process cases one by one, the child processes two at a time. */
async function runCases(ctx: ScenarioContext, cases: Case[]): Promise<Map<Case, Verdict>> {
  const { log } = ctx;
  log(`${cases.length} malformed inputs`);
  const verdicts = new Map<Case, Verdict>();
  const inProcess = cases.filter((c) => c.channel !== 'env-process');
  for (const c of inProcess) {
    if (ctx.signal.aborted) break;
    try {
      verdicts.set(c, await c.check());
    } catch (err) {
      verdicts.set(c, { rejected: false, message: `check threw: ${(err as Error).message}`, how: 'threw' });
    }
  }
  const processes = cases.filter((c) => c.channel === 'env-process');
  for (let i = 0; i < processes.length && !ctx.signal.aborted; i += 2) {
    await Promise.all(processes.slice(i, i + 2).map(async (c) => verdicts.set(c, await c.check())));
  }
  return verdicts;
}

interface Aftermath {
  createsDuringCases: number;
  started: string[];
  control: Verdict;
  controlOk: boolean;
}

/** Nothing may have been created or started; a valid control start through the same door creates exactly one task. */
async function checkAftermath(ctx: ScenarioContext, { sim, server, base, cli, cliEnv }: Setup): Promise<Aftermath> {
  const { scope } = ctx;
  const createsDuringCases = sim.counters().total.exportCreates;
  const clients = new SwappableClient(server.address);
  scope.defer('close client', () => clients.close());
  const client = await clients.connect();
  const started: string[] = [];
  for await (const w of client.workflow.list()) started.push(w.workflowId);

  // Control: a valid start through the same door does create exactly one task.
  const control = await cli(
    [...base.slice(0, 3), '--path', '/chaos-bucket/control/', '--id', 'chaos-3-control', '--wait', '--json'],
    cliEnv,
    false,
  );
  const createsAfterControl = sim.counters().total.exportCreates;
  const controlOk = control.how === 'exit 0' && createsAfterControl === createsDuringCases + 1;
  return { createsDuringCases, started, control, controlOk };
}

function report(
  cases: Case[],
  verdicts: Map<Case, Verdict>,
  { createsDuringCases, started, control, controlOk }: Aftermath,
  began: number,
): ScenarioResult {
  const details: string[] = [];
  const findings: string[] = [];
  details.push(
    `    ${cell('channel', 11)} ${cell('input', 44)} ${cell('expected field', 34)} ${cell('message excerpt', 70)} ok`,
  );
  let passed = 0;
  for (const c of cases) {
    const v = verdicts.get(c) ?? { rejected: false, message: '(not run)', how: 'not run' };
    const named = c.expect.every((e) => v.message.includes(e));
    const good = v.rejected && named;
    if (good) passed++;
    else {
      const why = !v.rejected ? `accepted or wrong exit (${v.how})` : `message does not name ${c.expect.join(', ')}`;
      findings.push(`malformed ${c.channel} "${c.input}": ${why}: ${excerpt(v.message, c.expect[0]!).slice(0, 160)}`);
    }
    details.push(
      `    ${cell(c.channel, 11)} ${cell(c.input, 44)} ${cell(c.expect[0]!, 34)} ${cell(v.rejected ? excerpt(v.message, c.expect[0]!) : `${v.how}: ${v.message}`, 70)} ${good ? 'ok' : 'NOT OK'}`,
    );
  }
  if (createsDuringCases > 0) findings.push(`malformed inputs created ${createsDuringCases} export task(s)`);
  if (started.length > 0) findings.push(`malformed inputs started workflows: ${started.slice(0, 5).join(', ')}`);
  if (!controlOk)
    findings.push(`control start did not create exactly one task (${control.how}): ${control.message.slice(0, 300)}`);

  const pass = passed === cases.length && createsDuringCases === 0 && started.length === 0 && controlOk;
  const byChannel = ['cli', 'spec', 'spec-file', 'env', 'env-process']
    .map((ch) => `${ch} ${cases.filter((c) => c.channel === ch).length}`)
    .join(', ');
  const summary =
    `${pass ? 'PASS' : 'FAIL'} ${passed}/${cases.length} malformed inputs rejected with a message naming the field (${byChannel}); ` +
    `creates during the inputs ${createsDuringCases}, workflows started ${started.length}; ` +
    `control run ${controlOk ? 'created 1 task' : `FAILED (${control.how})`}; ${Math.round((Date.now() - began) / 1000)} s`;
  return { ok: pass, summary, details, findings };
}

async function runMalformed(ctx: ScenarioContext): Promise<ScenarioResult> {
  const began = Date.now();
  const setup = await setUp(ctx);
  const cases = [...cliCases(setup), ...specCases(setup), ...environmentCases(setup), ...processCases(setup)];
  const verdicts = await runCases(ctx, cases);
  return report(cases, verdicts, await checkAftermath(ctx, setup), began);
}

export const malformedScenario: Scenario = {
  id: '3',
  name: 'malformed inputs',
  timeoutMs: () => 180_000,
  run: runMalformed,
};
