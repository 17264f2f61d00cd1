/**
 * `dev`: everything locally with no configuration: the Temporal dev server with its Web UI (state kept in
 * <data-dir>/temporal.db), the ModelArts simulator with demo datasets (state kept in <data-dir>/simulator.json, so
 * a run waiting on a task before a restart finds it after), and the worker in this process.
 * `--demo` also runs a chained export and follows it. `--sealed` runs everything in sealed mode with throwaway demo keys
 * (made once in the data dir, 0600) and a codec server beside the Web UI, which is configured with it.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { connect, type Connected } from '../client/connect.js';
import { startRun } from '../client/runs.js';
import { DEFAULT_TASK_QUEUE, workerConfigFromEnv, type BudgetDefaults } from '../config.js';
import { freePort, type DevServer } from '../devserver/dev-server.js';
import { startCodecServer, type CodecServer } from '../sealed/codec-server.js';
import { codecTokensFromEnv, sealedSettingsFromEnv } from '../sealed/config.js';
import { ensureDemoSealedFiles } from '../sealed/demo-files.js';
import { startLocalJaeger, type LocalJaeger } from '../stack/local-jaeger.js';
import { startLocalStack, type LocalStack } from '../local/stack.js';
import { createLogger } from '../logger.js';
import { DEMO_DATASETS } from '../simulator/index.js';
import { createWorker, type RunningWorker } from '../worker.js';
import { EXIT, UsageError, writeLine, type CliContext } from './context.js';
import { exitCodeFor, formatOutcome, uiLink } from './format.js';
import { createProgressView, followRun } from './progress-view.js';
import { parsePort } from './simulator.js';

interface DevFlags {
  port: number;
  uiPort: number;
  simPort: number;
  dataDir: string;
  demo?: boolean;
  exitAfterDemo?: boolean;
  tracing?: boolean;
  sealed?: boolean;
  codecPort: number;
}

const TEMPORAL_DB = 'temporal.db';
const SIMULATOR_STATE = 'simulator.json';
/** Short simulated tasks, so local runs and the demo finish in seconds rather than minutes. */
const DEV_TASK_MS = 10_000;

/** Narrows files an earlier version left readable by everyone (a missing file is fine: it is created private). */
async function chmodExisting(files: string[], mode: number): Promise<void> {
  await Promise.all(
    files.map((file) =>
      chmod(file, mode).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      }),
    ),
  );
}

function portIsFree(port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function checkPorts(flags: DevFlags): Promise<void> {
  const ports: [string, number][] = [
    ['--port', flags.port],
    ['--ui-port', flags.uiPort],
    ['--sim-port', flags.simPort],
  ];
  if (flags.sealed) ports.push(['--codec-port', flags.codecPort]);
  for (const [flag, port] of ports) {
    if (!(await portIsFree(port))) {
      throw new UsageError(
        `${flag} ${port}: the port is in use (another \`modelarts-export dev\`?). Choose another with ${flag}.`,
        'dev',
      );
    }
  }
}

/** The demo: export the labeled images into a new dataset, then export that new dataset as COCO. */
export function demoSpec(stamp: string): Record<string, unknown> {
  const source = DEMO_DATASETS[0]!;
  return {
    summary: `Demo: ${source.dataset_name} → new dataset → COCO`,
    steps: [
      {
        kind: 'export',
        datasetId: source.dataset_id,
        request: {
          path: `/demo-bucket/labeled-${stamp}/input/`,
          export_type: 0,
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: `demo-labeled-${stamp}`,
            export_new_dataset_work_path: `/demo-bucket/labeled-${stamp}/output/`,
          },
        },
      },
      { kind: 'export', request: { path: `/demo-bucket/coco-${stamp}/`, annotation_format: 'COCO', export_format: 1 } },
    ],
    // Snappier reads than production defaults: the demo is watched live.
    wait: { deadline: '10m', policy: { maxDelayMs: 5000 } },
  };
}

/** The request budget's variables, which dev's in-process worker takes from the shell like any worker. */
const BUDGET_VARIABLES = ['MODELARTS_BUDGET_READS_RPS', 'MODELARTS_BUDGET_WRITES_RPS'] as const;

export function budgetEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(BUDGET_VARIABLES.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}

/** dev's one line on the budget in force: it caps the whole fleet's creates, and how to raise it. */
export function budgetLine(budget: BudgetDefaults): string {
  const rate = (rps: number | undefined, what: string) =>
    rps === undefined ? `no limit on ${what}` : `${rps} ${what}/s`;
  return (
    `${rate(budget.writesPerSecond, 'creates')} and ${rate(budget.readsPerSecond, 'reads')} for the whole fleet ` +
    '(unless `budget set` set one); raise with MODELARTS_BUDGET_WRITES_RPS=10 or ' +
    '`modelarts-export budget set --class writes --rps 10`'
  );
}

/** The service name dev's worker and CLI report spans under. */
const DEV_TRACE_SERVICE = 'modelarts-dev';

interface Running {
  codec?: CodecServer;
  jaeger?: LocalJaeger;
  stack?: LocalStack;
  worker?: RunningWorker;
  workerDone?: Promise<void>;
  client?: Connected;
}

/** Stops in reverse order of start: the worker needs the server while it drains. */
async function shutdown(r: Running, log: (m: string) => void): Promise<void> {
  if (r.worker?.worker.getState() === 'RUNNING') r.worker.worker.shutdown();
  await r.workerDone?.catch((err: unknown) => log(`worker stopped with an error: ${(err as Error).message}`));
  await r.worker?.close().catch(() => undefined);
  await r.client?.close().catch(() => undefined);
  await r.stack?.close().catch((err: unknown) => log((err as Error).message));
  await r.jaeger?.stop().catch((err: unknown) => log(`jaeger: ${(err as Error).message}`));
  await r.codec?.close().catch(() => undefined);
}

async function runDemo(ctx: CliContext, r: { client: Connected; server: DevServer }): Promise<number> {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const { workflowId } = await startRun(r.client.client, demoSpec(stamp), {
    taskQueue: r.client.taskQueue,
    workflowId: `demo-chain-${stamp}`,
  });
  const link = r.server.uiUrl ? uiLink(r.server.uiUrl, r.server.namespace, workflowId) : workflowId;
  writeLine(ctx.stdout, `Demo run started: ${workflowId}\n  ${link}`);
  const outcome = await followRun(r.client.client, workflowId, createProgressView(ctx.stderr));
  writeLine(ctx.stdout, formatOutcome(workflowId, outcome));
  writeLine(ctx.stdout, `See it in the Temporal UI: ${link}`);
  return exitCodeFor(outcome);
}

async function devAction(ctx: CliContext, flags: DevFlags): Promise<void> {
  await checkPorts(flags);
  const dataDir = path.resolve(flags.dataDir);
  // The whole dev history (specs, dataset ids, paths) lives here: readable by this user only.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  await chmodExisting(
    [TEMPORAL_DB, SIMULATOR_STATE].map((name) => path.join(dataDir, name)),
    0o600,
  );
  const log = (m: string) => writeLine(ctx.stderr, m);
  const stopRequested = ctx.waitForStop();
  const r: Running = {};
  const temporalDb = path.join(dataDir, TEMPORAL_DB);
  const simulatorState = path.join(dataDir, SIMULATOR_STATE);
  let otelEnv: Record<string, string> = {};
  let sealedEnv: Record<string, string> = {};
  let uiPort = flags.uiPort || undefined;
  try {
    if (flags.sealed) {
      const files = await ensureDemoSealedFiles(dataDir);
      sealedEnv = files.env;
      // The worker and the client run in this process and read sealed mode from the environment.
      Object.assign(process.env, sealedEnv);
      // The codec server answers CORS for the UI's one origin, so the UI's port is fixed before either starts.
      uiPort ??= await freePort();
      const { keys } = sealedSettingsFromEnv(sealedEnv);
      r.codec = await startCodecServer({
        host: '127.0.0.1',
        port: flags.codecPort,
        tokens: codecTokensFromEnv(sealedEnv),
        ...(keys && { keys }),
        corsOrigin: `http://127.0.0.1:${uiPort}`,
      });
    }
    if (flags.tracing) {
      log('Starting Jaeger (built with Go on first use, then cached)…');
      r.jaeger = await startLocalJaeger(dataDir, log);
      otelEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: r.jaeger.otlpEndpoint, OTEL_SERVICE_NAME: DEV_TRACE_SERVICE };
      // The worker and the client run in this process, and tracing reads the standard OTel variables.
      Object.assign(process.env, otelEnv);
    }
    log('Starting the Temporal dev server…');
    r.stack = await startLocalStack({
      demo: true,
      simulator: { port: flags.simPort, defaults: { durationMs: DEV_TASK_MS }, stateFile: simulatorState },
      // Port 0 means "any free port", which the launcher picks when the port is left out.
      devServer: {
        port: flags.port || undefined,
        uiPort,
        ui: true,
        ...(r.codec && { uiCodecEndpoint: r.codec.url }),
        dbFilename: temporalDb,
        log,
      },
      taskQueue: DEFAULT_TASK_QUEUE,
    });
    const server = r.stack.devServer!;
    const sim = r.stack.sim;
    const config = workerConfigFromEnv({ ...r.stack.workerEnv(), ...budgetEnv(ctx.env), ...otelEnv, ...sealedEnv });
    // Quiet by default, and on stderr, so the console shows the banner and the demo.
    r.worker = await createWorker(
      config,
      createLogger({ level: ctx.env.LOG_LEVEL ?? 'warn', destination: process.stderr }),
    );
    r.workerDone = r.worker.worker.run();
    r.client = await connect(config.temporal);

    const address = server.address;
    const envPrefix =
      (flags.port === 7233 ? '' : `TEMPORAL_ADDRESS=${address} `) +
      (r.jaeger ? `OTEL_EXPORTER_OTLP_ENDPOINT=${r.jaeger.otlpEndpoint} OTEL_SERVICE_NAME=${DEV_TRACE_SERVICE} ` : '') +
      Object.entries(sealedEnv)
        .filter(([name]) => !name.startsWith('MODELARTS_CODEC_TOKENS'))
        .map(([name, value]) => `${name}=${value} `)
        .join('');
    const example = `start --dataset ${DEMO_DATASETS[0]!.dataset_id} --path /demo-bucket/exports/ --annotation-format COCO --wait`;
    writeLine(
      ctx.stdout,
      [
        '',
        'modelarts-export dev is running',
        `  Temporal UI:         ${server.uiUrl ?? '(off)'}`,
        `  Temporal server:     ${address} (namespace ${server.namespace}, history kept in ${temporalDb})`,
        `  ModelArts simulator: ${sim.url} (project ${sim.projectId}, state kept in ${simulatorState})`,
        `  Worker:              task queue ${DEFAULT_TASK_QUEUE}`,
        `  Request budget:      ${budgetLine(config.tuning.budget)}`,
        // Jaeger built from the Go module proxy has no UI (a placeholder page): its query API lists the traces.
        `  Jaeger (traces):     ${r.jaeger ? `${r.jaeger.url}/api/traces?service=${DEV_TRACE_SERVICE}` : '(off; --tracing turns it on)'}`,
        ...(r.codec
          ? [
              `  Sealed mode:         on (demo keys in ${sealedEnv.MODELARTS_SEALED_KEYS_FILE})`,
              `  Codec server:        ${r.codec.url} (the Temporal UI's codec endpoint)`,
              `    to read sealed runs in the UI: sign in at ${r.codec.url}/login with the token of tenant default`,
              `    (in ${sealedEnv.MODELARTS_CODEC_TOKENS_FILE}), then in the UI's Codec Server settings choose`,
              `    "Use my browser setting", endpoint ${r.codec.url}, and tick "Include cross-origin credentials"`,
              `    (the dev server cannot set that for you); or: temporal workflow show -w ID --codec-endpoint ${r.codec.url} --codec-auth "Bearer $(jq -r .default ${sealedEnv.MODELARTS_CODEC_TOKENS_FILE})"`,
            ]
          : []),
        `  Demo datasets:       ${DEMO_DATASETS.map((d) => `${d.dataset_id} (${d.dataset_name})`).join(', ')}`,
        '',
        'Start an export from another terminal:',
        `  ${envPrefix}modelarts-export ${example}`,
        `  (in a checkout without \`npm link\`: ${envPrefix}node bin/modelarts-export.js ${example})`,
        '',
      ].join('\n'),
    );

    if (flags.demo || flags.exitAfterDemo) {
      const code = await Promise.race([runDemo(ctx, { client: r.client, server }), stopRequested.then(() => EXIT.ok)]);
      if (flags.exitAfterDemo) {
        ctx.exitCode = code;
        return;
      }
    }
    writeLine(ctx.stdout, 'Press Ctrl-C to stop.');
    // Ends on Ctrl-C, or if the worker stops by itself (its error, if any, is reported by shutdown).
    await Promise.race([stopRequested, r.workerDone]);
    log('Stopping…');
  } finally {
    await shutdown(r, log);
  }
}

export function registerDev(program: Command, ctx: CliContext): void {
  program
    .command('dev')
    .description('Run everything locally, no configuration: Temporal dev server + Web UI, ModelArts simulator, worker')
    .addOption(new Option('--port <n>', 'Temporal gRPC port').argParser(parsePort).default(7233))
    .addOption(new Option('--ui-port <n>', 'Temporal Web UI port').argParser(parsePort).default(8233))
    .addOption(new Option('--sim-port <n>', 'ModelArts simulator port').argParser(parsePort).default(8090))
    .option(
      '--data-dir <dir>',
      `where the Temporal server (${TEMPORAL_DB}) and the simulator (${SIMULATOR_STATE}) keep their state, so runs survive a restart`,
      '.data',
    )
    .option('--demo', 'also run a demo: export a dataset into a new dataset, then export that as COCO')
    .option('--exit-after-demo', 'run the demo, then stop everything and exit (0 if the demo run succeeded)')
    .option(
      '--tracing',
      "also run Jaeger (built with Go on first use, then cached) and send the worker's and the CLI's traces to it",
    )
    .option(
      '--sealed',
      'sealed mode with throwaway demo keys (made once in --data-dir, 0600), and a codec server for the Web UI',
    )
    .addOption(new Option('--codec-port <n>', 'codec server port (with --sealed)').argParser(parsePort).default(8888))
    .addHelpText(
      'after',
      `
Examples:
  $ modelarts-export dev
  $ modelarts-export dev --demo
  $ modelarts-export dev --tracing
  $ modelarts-export dev --sealed --demo
  $ modelarts-export dev --port 7300 --ui-port 8300 --sim-port 8190 --data-dir /tmp/modelarts-dev

Stop with Ctrl-C: the worker drains, then the simulator and the dev server stop. Runs still waiting go on at the
next start with the same --data-dir; delete that directory to start from scratch (both files belong together).`,
    )
    .action(async (_options: DevFlags, command: Command) => devAction(ctx, command.opts<DevFlags>()));
}
