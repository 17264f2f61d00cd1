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

export function registerStack(program: Command, ctx: CliContext): void {
  const stack = program
    .command('stack')
    .description('Run the docker-compose.yml topology natively (PostgreSQL-backed Temporal, UI, simulator, workers)')
    .addHelpText(
      'after',
      `
Needs Debian's postgresql and Go 1.26.8+ (temporal-server and the UI server are built with go install on first
use, about 5.5 minutes, and cached in ~/.cache/modelarts-temporal or MODELARTS_STACK_CACHE). PostgreSQL admits no
other local user: Temporal's role has a random password, made by the first \`up\` in <dir>/postgres-password (0600).

Examples:
  $ modelarts-export stack up --workers 3
  $ TEMPORAL_ADDRESS=127.0.0.1:7400 modelarts-export start --dataset demoImgCls000000001 --path /demo-bucket/out/ --wait
  $ modelarts-export stack status
  $ modelarts-export stack down`,
    );
  const dirOption = () =>
    new Option('--dir <path>', 'where the stack keeps its state and logs').default(DEFAULT_STACK_DIR);

  stack
    .command('up')
    .description('Start the stack (parts already running are kept) and return; it keeps running in the background')
    .addOption(dirOption())
    .addOption(
      new Option('--base-port <n>', 'first of the ports the stack uses')
        .argParser(parseBasePort)
        .default(DEFAULT_BASE_PORT),
    )
    .addOption(new Option('--workers <n>', 'number of workers').argParser(parseWorkers).default(1))
    .action(async (options: { dir: string; basePort: number; workers: number }) => {
      const started = Date.now();
      const up = await NativeStack.up({ ...options, log: (m) => writeLine(ctx.stderr, m) });
      writeLine(ctx.stderr, `stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      writeLine(ctx.stdout, `Temporal:  ${up.address} (namespace ${up.namespace})`);
      writeLine(ctx.stdout, `Web UI:    ${up.uiUrl}`);
      writeLine(ctx.stdout, `Simulator: ${up.simulatorUrl}`);
      writeLine(ctx.stdout, `Workers:   ${up.state.pids.workers.length}; logs in ${up.dir}/logs`);
      writeLine(ctx.stdout, `Use it:    TEMPORAL_ADDRESS=${up.address} modelarts-export list`);
    });

  stack
    .command('down')
    .description('Stop every process of the stack and delete its data (--keep-data keeps the database)')
    .addOption(dirOption())
    .option('--keep-data', 'keep PostgreSQL data and logs for the next `stack up`')
    .action(async (options: { dir: string; keepData?: boolean }) => {
      await stopStack(options.dir, { keepData: options.keepData });
      writeLine(ctx.stderr, `stack in ${options.dir} stopped${options.keepData ? ' (data kept)' : ' and removed'}`);
    });

  stack
    .command('status')
    .description('Show which parts of the stack are running; exits 1 when any is not')
    .addOption(dirOption())
    .action(async (options: { dir: string }) => {
      const rows = await stackStatus(options.dir);
      if (!rows) {
        writeLine(ctx.stdout, `no stack in ${options.dir} (start one with \`modelarts-export stack up\`)`);
        ctx.exitCode = EXIT.runFailed;
        return;
      }
      const width = Math.max(...rows.map((r) => r.part.length));
      for (const row of rows) {
        writeLine(ctx.stdout, `${row.part.padEnd(width)}  ${row.running ? 'running' : 'stopped'}  ${row.detail}`);
      }
      if (rows.some((r) => !r.running)) ctx.exitCode = EXIT.runFailed;
    });
}
