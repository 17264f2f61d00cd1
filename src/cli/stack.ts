/**
 * `stack up | down | status`: the production topology of docker-compose.yml (PostgreSQL, schema job, Temporal
 * server, namespace job, Web UI, simulator, N workers) run natively on this machine, without Docker.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_BASE_PORT,
  DEFAULT_STACK_DIR,
  MAX_BASE_PORT,
  NativeStack,
  stackStatus,
  stopStack,
} from '../stack/stack.js';
import { EXIT, writeLine, type CliContext } from './context.js';

function parseBasePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1024 || n > MAX_BASE_PORT)
    throw new InvalidArgumentError(
      `Use a port from 1024 to ${MAX_BASE_PORT}: the stack takes the 100 ports from it, and Temporal keeps them in a smallint.`,
    );
  return n;
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 32) throw new InvalidArgumentError('Use a number of workers from 0 to 32.');
  return n;
}

interface DirFlags {
  dataDir: string;
  /** The old name of --data-dir. */
  dir?: string;
}

export function registerStack(program: Command, ctx: CliContext): void {
  const stack = program
    .command('stack')
    .description(
      'Run the docker-compose.yml topology natively (PostgreSQL-backed Temporal, UI, simulator, workers, Prometheus, Jaeger)',
    )
    .addHelpText(
      'after',
      `
Needs Debian's postgresql and prometheus, and Go 1.26.8+ (temporal-server, the UI server and Jaeger are built from
the Go module proxy on first use, about 5.5 minutes each, and cached in ~/.cache/modelarts-temporal or MODELARTS_STACK_CACHE). PostgreSQL admits no
other local user: Temporal's role has a random password, made by the first \`up\` in <data-dir>/postgres-password
(0600).

Examples:
  $ modelarts-export stack up --workers 3
  $ TEMPORAL_ADDRESS=127.0.0.1:7400 modelarts-export start --dataset demoImgCls000000001 --path /demo-bucket/out/ --wait
  $ modelarts-export stack status
  $ modelarts-export stack down`,
    );
  // --data-dir, as `dev` names its state folder; --dir is the name before 0.2 and stays for scripts.
  const withDataDir = (cmd: Command) =>
    cmd
      .addOption(new Option('--data-dir <dir>', 'where the stack keeps its state and logs').default(DEFAULT_STACK_DIR))
      .addOption(new Option('--dir <dir>', 'old name of --data-dir').hideHelp());
  const dirOf = (options: DirFlags) => options.dir ?? options.dataDir;

  withDataDir(
    stack
      .command('up')
      .description('Start the stack (parts already running are kept) and return; it keeps running in the background'),
  )
    .addOption(
      new Option('--base-port <n>', 'first of the ports the stack uses')
        .argParser(parseBasePort)
        .default(DEFAULT_BASE_PORT),
    )
    .addOption(new Option('--workers <n>', 'number of workers').argParser(parseWorkers).default(1))
    .option('--json', 'print the addresses as JSON')
    .action(async (options: DirFlags & { basePort: number; workers: number; json?: boolean }) => {
      const started = Date.now();
      const up = await NativeStack.up({
        dir: dirOf(options),
        basePort: options.basePort,
        workers: options.workers,
        log: (m) => writeLine(ctx.stderr, m),
      });
      writeLine(ctx.stderr, `stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      if (options.json) {
        writeLine(
          ctx.stdout,
          JSON.stringify({
            address: up.address,
            namespace: up.namespace,
            uiUrl: up.uiUrl,
            simulatorUrl: up.simulatorUrl,
            prometheusUrl: up.prometheusUrl,
            jaegerUrl: up.jaegerUrl,
            exporterUrl: up.exporterUrl ?? null,
            workers: up.state.pids.workers.length,
            dataDir: up.dir,
          }),
        );
        return;
      }
      writeLine(ctx.stdout, `Temporal:  ${up.address} (namespace ${up.namespace})`);
      writeLine(ctx.stdout, `Web UI:    ${up.uiUrl}`);
      writeLine(ctx.stdout, `Simulator: ${up.simulatorUrl}`);
      writeLine(ctx.stdout, `Prometheus: ${up.prometheusUrl} (rules from deploy/prometheus/rules)`);
      writeLine(ctx.stdout, `Jaeger UI: ${up.jaegerUrl} (traces over OTLP/HTTP at ${up.otlpEndpoint})`);
      if (up.exporterUrl) writeLine(ctx.stdout, `Exporter:  ${up.exporterUrl}`);
      writeLine(ctx.stdout, `Workers:   ${up.state.pids.workers.length}; logs in ${up.dir}/logs`);
      writeLine(ctx.stdout, `Use it:    TEMPORAL_ADDRESS=${up.address} modelarts-export list`);
    });

  withDataDir(
    stack
      .command('down')
      .description('Stop every process of the stack and delete its data (--keep-data keeps the database)'),
  )
    .option('--keep-data', 'keep PostgreSQL data and logs for the next `stack up`')
    .action(async (options: DirFlags & { keepData?: boolean }) => {
      const dir = dirOf(options);
      await stopStack(dir, { keepData: options.keepData });
      writeLine(ctx.stderr, `stack in ${dir} stopped${options.keepData ? ' (data kept)' : ' and removed'}`);
    });

  withDataDir(stack.command('status').description('Show which parts of the stack are running; exits 1 when any is not'))
    .option('--json', 'print {dataDir, running, parts: [{part, running, detail}]} as JSON')
    .action(async (options: DirFlags & { json?: boolean }) => {
      const dir = dirOf(options);
      const rows = await stackStatus(dir);
      const running = rows !== undefined && rows.every((r) => r.running);
      if (!running) ctx.exitCode = EXIT.runFailed;
      if (options.json) {
        writeLine(ctx.stdout, JSON.stringify({ dataDir: dir, running, parts: rows ?? [] }));
        return;
      }
      if (!rows) {
        writeLine(ctx.stdout, `no stack in ${dir} (start one with \`modelarts-export stack up\`)`);
        return;
      }
      const width = Math.max(...rows.map((r) => r.part.length));
      for (const row of rows) {
        writeLine(ctx.stdout, `${row.part.padEnd(width)}  ${row.running ? 'running' : 'stopped'}  ${row.detail}`);
      }
    });
}
