/**
 * The `modelarts-export` command. `run(argv, io)` returns the exit code instead of exiting, so tests can call it
 * in-process; bin/modelarts-export.js is the only place that exits.
 *
 * Exit codes: 0 success (with `start --wait`: every step succeeded), 1 the run failed, was cancelled or timed out
 * (or an unexpected error), 2 bad usage or configuration, or a start the server refused as invalid or too large
 * (nothing was started).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, WorkflowNotFoundError } from '@temporalio/client';
import { RequestRefusedError } from '../client/refused.js';
import { ConfigError } from '../config-error.js';
import { ModelArtsValidationError } from '../modelarts/errors.js';
import { echo, unsafeCharacter } from '../modelarts/obs-path.js';
import { SpecError } from '../spec/pipeline.js';
import { registerBudget } from './budget.js';
import { registerCancel } from './cancel.js';
import { registerCodecServer } from './codec-server.js';
import { ConnectError, EXIT, UsageError, waitForSignal, writeLine, type CliContext, type CliIo } from './context.js';
import { registerDeploy } from './deploy.js';
import { registerDev } from './dev.js';
import { registerList } from './list.js';
import { registerOverdue } from './overdue.js';
import { registerPolicy } from './policy.js';
import { registerSchedule } from './schedule.js';
import { registerSealed } from './sealed.js';
import { registerSimulator } from './simulator.js';
import { registerStack } from './stack.js';
import { registerStart } from './start.js';
import { registerStatus } from './status.js';
import { registerWorker } from './worker.js';

function packageVersion(): string {
  try {
    // Same relative path from src/cli and dist/cli.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Commander echoes a rejected argument whole (`argument '…' is invalid`): cut it short and quote it, so a 100 KB
 * value does not make a 100 KB error and a newline or bidi override in it cannot garble the terminal.
 */
export function shortenEchoes(message: string): string {
  return message.replace(/argument '([\s\S]*?)' is invalid\./g, (whole, value: string) =>
    value.length <= 60 && unsafeCharacter(value) === undefined ? whole : `argument ${echo(value)} is invalid.`,
  );
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('modelarts-export')
    .description('Run ModelArts dataset exports and intelligent tasks durably on Temporal')
    .version(packageVersion())
    // Settings before .command(): subcommands inherit them.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: (s, write) => write(shortenEchoes(s)),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Try it locally (no configuration needed):
  $ modelarts-export dev --demo

Then, against the dev server or your own Temporal:
  $ modelarts-export start --dataset gfghHSokody6AJigS5A --path obs://my-bucket/exports/ --wait
  $ modelarts-export list --dataset gfghHSokody6AJigS5A

Exit codes: 0 success, 1 the run failed / was cancelled / timed out, 2 bad usage or configuration,
130 interrupted. Every command and option: docs/cli.md.`,
    );
  registerStart(program, ctx);
  registerStatus(program, ctx);
  registerCancel(program, ctx);
  registerList(program, ctx);
  registerSchedule(program, ctx);
  registerSealed(program, ctx);
  registerWorker(program, ctx);
  registerSimulator(program, ctx);
  registerDev(program, ctx);
  registerStack(program, ctx);
  registerBudget(program, ctx);
  registerDeploy(program, ctx);
  registerOverdue(program, ctx);
  registerPolicy(program, ctx);
  registerCodecServer(program, ctx);
  return program;
}

/** Prints what went wrong and picks the exit code. */
function report(ctx: CliContext, err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage; // commander printed it already
  if (err instanceof UsageError) {
    writeLine(ctx.stderr, `error: ${err.message}`);
    writeLine(ctx.stderr, `(see modelarts-export ${err.command ? `${err.command} ` : ''}--help)`);
    return EXIT.usage;
  }
  if (
    err instanceof ConfigError ||
    err instanceof SpecError ||
    err instanceof ModelArtsValidationError ||
    err instanceof ConnectError ||
    err instanceof RequestRefusedError
  ) {
    writeLine(ctx.stderr, `error: ${err.message}`);
    return EXIT.usage;
  }
  if (err instanceof WorkflowNotFoundError) {
    writeLine(ctx.stderr, `error: no run with id ${err.workflowId}`);
    return EXIT.usage;
  }
  if (err instanceof ScheduleNotFoundError) {
    writeLine(ctx.stderr, `error: no schedule with id ${err.scheduleId || '(unknown)'}`);
    return EXIT.usage;
  }
  if (err instanceof ScheduleAlreadyRunning) {
    writeLine(ctx.stderr, `error: a schedule with id ${err.scheduleId} already exists; nothing was changed`);
    return EXIT.usage;
  }
  writeLine(ctx.stderr, `error: ${err instanceof Error ? err.message : String(err)}`);
  return EXIT.runFailed;
}

export async function run(
  argv: readonly string[],
  io: Partial<CliIo & Pick<CliContext, 'waitForStop'>> = {},
): Promise<number> {
  const ctx: CliContext = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    waitForStop: io.waitForStop ?? waitForSignal,
    exitCode: EXIT.ok,
  };
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    return report(ctx, err);
  }
}
