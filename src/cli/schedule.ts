/**
 * `schedule ...`: recurring exports on Temporal Schedules (create, list, describe, pause, unpause, trigger, backfill,
 * delete), a thin layer over src/client/schedules.ts: flags in, text or JSON out (src/cli/format.ts).
 *
 * Exit codes as everywhere: 0 done; 2 bad usage (checked before anything is contacted), an unknown schedule id
 * ("no schedule with id X", like `status` of an unknown run) or an id that is already taken; 1 anything unexpected.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  backfillSchedule,
  createSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  scheduledSpec,
  triggerSchedule,
  unpauseSchedule,
  type ScheduleDraft,
} from '../client/schedules.js';
import {
  CATCHUP_WINDOW_HINT,
  cronProblem,
  INTERVAL_HINT,
  OVERLAP_NAMES,
  parseCatchupWindow,
  parseInterval,
  timeZoneProblem,
  type Overlap,
  type ScheduleTiming,
} from '../spec/schedule.js';
import { ALLOWED_PLACEHOLDERS } from '../contract/placeholders.js';
import { UsageError, withClient, writeLine, type CliContext } from './context.js';
import { addExportOptions, parseId, repeatable, specFromExportFlags, type ExportFlags } from './export-options.js';
import { formatSchedule, json, scheduleTable, scheduleTimes, time } from './format.js';

// ---------------------------------------------------------------------------------------------------------------
// Flag parsers (each throws InvalidArgumentError: commander prints it and we exit 2 before contacting anything)
// ---------------------------------------------------------------------------------------------------------------

const parseCron = repeatable((value: string) => {
  const problem = cronProblem(value);
  if (problem) throw new InvalidArgumentError(`The cron expression ${problem}.`);
  return [value];
});

function parseEvery(value: string): string {
  if (parseInterval(value) === undefined) throw new InvalidArgumentError(`It ${INTERVAL_HINT}.`);
  return value.trim();
}

function parseTimeZone(value: string): string {
  const problem = timeZoneProblem(value);
  if (problem) throw new InvalidArgumentError(`It ${problem}.`);
  return value;
}

function parseOverlap(value: string): Overlap {
  const name = value.trim().toLowerCase().replace(/_/g, '-');
  if (!(OVERLAP_NAMES as string[]).includes(name))
    throw new InvalidArgumentError(`Allowed: ${OVERLAP_NAMES.join(', ')}.`);
  return name as Overlap;
}

function parseCatchupWindowFlag(value: string): string {
  if (parseCatchupWindow(value) === undefined) throw new InvalidArgumentError(`It ${CATCHUP_WINDOW_HINT}.`);
  return value.trim();
}

function parseTime(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim()) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError('Use an ISO 8601 time such as 2024-05-01T00:00:00Z.');
  }
  return date;
}

const scheduleIdArgument = (cmd: Command) => cmd.argument('<schedule-id>', 'id of the schedule');

// ---------------------------------------------------------------------------------------------------------------
// create
// ---------------------------------------------------------------------------------------------------------------

/** commander gives the repeatable --cron as a list; the other timing flags are the library's options as they are. */
interface CreateFlags extends ExportFlags, Omit<ScheduleTiming, 'cron'> {
  cron?: string[];
  json?: boolean;
  dryRun?: boolean;
}

const CREATE = 'schedule create';

async function createAction(ctx: CliContext, scheduleId: string, flags: CreateFlags): Promise<void> {
  if (!flags.cron && flags.every === undefined) {
    throw new UsageError('schedule create needs --cron EXPR or --every DURATION', CREATE);
  }
  const { cron, every, timezone, overlap, catchupWindow, pauseOnFailure, note, paused } = flags;
  const spec = await specFromExportFlags(flags, CREATE);
  const draft: ScheduleDraft = {
    scheduleId,
    spec,
    cron,
    every,
    timezone,
    overlap,
    catchupWindow,
    pauseOnFailure,
    note,
    paused,
  };
  if (flags.dryRun) {
    // The spec as createSchedule would store it: the same function works out the placeholders' time zone.
    writeLine(ctx.stdout, json({ ...draft, spec: scheduledSpec(draft) }));
    return;
  }
  await withClient(ctx, async ({ client, taskQueue }) => {
    await createSchedule(client, { ...draft, taskQueue });
    const info = await describeSchedule(client, scheduleId);
    writeLine(
      ctx.stderr,
      `Created schedule ${scheduleId} (${scheduleTimes(info)}${info.paused ? ', paused' : ''}) on task queue ${taskQueue}.` +
        (info.nextRunTimes[0] && !info.paused ? ` Next run: ${time(info.nextRunTimes[0])}.` : ''),
    );
    writeLine(ctx.stdout, flags.json ? json(info) : scheduleId);
    if (!flags.json) writeLine(ctx.stderr, `See it with: modelarts-export schedule describe ${scheduleId}`);
  });
}

function registerCreate(schedule: Command, ctx: CliContext): void {
  const cmd = scheduleIdArgument(schedule.command('create'))
    .description('Create a schedule that starts an export run at every cron time or interval')
    .addOption(
      new Option('--cron <expr>', 'cron expression (5-7 fields, @daily, @every 1h); repeat for several')
        .argParser(parseCron)
        .conflicts('every'),
    )
    .addOption(new Option('--every <duration>', 'run at a fixed interval: 15m, 1h, 1d').argParser(parseEvery))
    .addOption(
      new Option('--timezone <tz>', 'IANA time zone for cron times and path placeholders (default UTC)').argParser(
        parseTimeZone,
      ),
    )
    .addOption(
      new Option(
        '--overlap <policy>',
        `when a run is due while the last one still runs: ${OVERLAP_NAMES.join(' | ')} (default skip)`,
      ).argParser(parseOverlap),
    )
    .addOption(
      new Option('--catchup-window <duration>', 'how late a missed run may still start after an outage').argParser(
        parseCatchupWindowFlag,
      ),
    )
    .option('--pause-on-failure', 'pause the schedule when a run fails')
    .option('--note <text>', 'a note on the schedule')
    .option('--paused', 'create the schedule paused');
  addExportOptions(cmd)
    .option('--json', 'print the created schedule as JSON')
    .option('--dry-run', 'print the validated schedule and spec and exit; nothing is contacted')
    .addHelpText(
      'after',
      `
Path placeholders are filled in from each run's scheduled time (in --timezone, default UTC; {datetime} is UTC),
so every run writes to its own folder and a retried run to the same one:
  ${ALLOWED_PLACEHOLDERS}

Examples:
  $ modelarts-export schedule create nightly-flowers --cron "0 2 * * *" --timezone Europe/Berlin \\
      --dataset gfghHSokody6AJigS5A --path "obs://my-bucket/exports/{date}/" --annotation-format COCO
  $ modelarts-export schedule create hourly-flowers --every 1h --overlap buffer-one --spec chain.json`,
    )
    .action(async (id: string, _options: CreateFlags, command: Command) =>
      createAction(ctx, id, command.opts<CreateFlags>()),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// list, describe
// ---------------------------------------------------------------------------------------------------------------

function registerList(schedule: Command, ctx: CliContext): void {
  schedule
    .command('list')
    .description('List the export schedules (through visibility: a just-created one may take a moment to appear)')
    .addOption(new Option('--dataset <id>', 'only schedules that export this dataset').argParser(parseId))
    .option('--json', 'print the schedules as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ modelarts-export schedule list
  $ modelarts-export schedule list --dataset gfghHSokody6AJigS5A --json`,
    )
    .action(async (options: { dataset?: string; json?: boolean }) =>
      withClient(ctx, async ({ client }) => {
        const entries = await listSchedules(client, { datasetId: options.dataset });
        if (options.json) writeLine(ctx.stdout, json(entries));
        else writeLine(ctx.stdout, entries.length > 0 ? scheduleTable(entries) : 'No schedules found.');
      }),
    );
}

function registerDescribe(schedule: Command, ctx: CliContext): void {
  scheduleIdArgument(schedule.command('describe'))
    .description('Show a schedule: times, policies, paused state, the run spec, next run times and recent runs')
    .option('--json', 'print the description as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ modelarts-export schedule describe nightly-flowers
  $ modelarts-export schedule describe nightly-flowers --json`,
    )
    .action(async (id: string, options: { json?: boolean }) =>
      withClient(ctx, async ({ client }) => {
        const info = await describeSchedule(client, id);
        writeLine(ctx.stdout, options.json ? json(info) : formatSchedule(info));
      }),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// pause, unpause, trigger, backfill, delete
// ---------------------------------------------------------------------------------------------------------------

function registerPause(schedule: Command, ctx: CliContext): void {
  for (const [name, verb, fn] of [
    ['pause', 'Pause', pauseSchedule],
    ['unpause', 'Unpause', unpauseSchedule],
  ] as const) {
    scheduleIdArgument(schedule.command(name))
      .description(
        name === 'pause'
          ? 'Pause a schedule: no runs start until it is unpaused (running ones go on)'
          : 'Unpause a schedule: runs start again at the next scheduled time',
      )
      .option('--note <text>', 'why (shown by describe and the Temporal UI)')
      .option('--json', 'print {scheduleId, paused} as JSON')
      .addHelpText(
        'after',
        `
Example:
  $ modelarts-export schedule ${name} nightly-flowers --note "${name === 'pause' ? 'bucket migration' : 'migration done'}"`,
      )
      .action(async (id: string, options: { note?: string; json?: boolean }) =>
        withClient(ctx, async ({ client }) => {
          await fn(client, id, options.note);
          writeLine(ctx.stderr, `${verb}d schedule ${id}.`);
          if (options.json) writeLine(ctx.stdout, JSON.stringify({ scheduleId: id, paused: name === 'pause' }));
        }),
      );
  }
}

function registerTrigger(schedule: Command, ctx: CliContext): void {
  scheduleIdArgument(schedule.command('trigger'))
    .description("Start a run now (also when paused); its placeholders are filled from now; prints the run's id")
    .addOption(
      new Option(
        '--overlap <policy>',
        `overlap policy for this run: ${OVERLAP_NAMES.join(' | ')} (default allow-all)`,
      ).argParser(parseOverlap),
    )
    .option('--json', 'print {scheduleId, workflowId} as JSON (workflowId is absent when the server did not say)')
    .addHelpText(
      'after',
      `
Example:
  $ modelarts-export schedule trigger nightly-flowers
  $ modelarts-export status "$(modelarts-export schedule trigger nightly-flowers)"`,
    )
    .action(async (id: string, options: { overlap?: Overlap; json?: boolean }) =>
      withClient(ctx, async ({ client }) => {
        const workflowId = await triggerSchedule(client, id, { overlap: options.overlap });
        writeLine(ctx.stderr, `Triggered schedule ${id}${workflowId ? `: run ${workflowId}` : ''}.`);
        if (options.json) writeLine(ctx.stdout, JSON.stringify({ scheduleId: id, ...(workflowId && { workflowId }) }));
        else if (workflowId) writeLine(ctx.stdout, workflowId);
      }),
    );
}

function registerBackfill(schedule: Command, ctx: CliContext): void {
  scheduleIdArgument(schedule.command('backfill'))
    .description('Run every slot the schedule had between --from and --to now (one run per slot, each its own folder)')
    .addOption(new Option('--from <time>', 'start of the window, ISO 8601').argParser(parseTime).makeOptionMandatory())
    .addOption(new Option('--to <time>', 'end of the window, ISO 8601').argParser(parseTime).makeOptionMandatory())
    .addOption(
      new Option(
        '--overlap <policy>',
        `overlap policy for the backfilled runs: ${OVERLAP_NAMES.join(' | ')} (default allow-all: all at once; buffer-all runs them one after another while the schedule is not paused)`,
      ).argParser(parseOverlap),
    )
    .option('--json', 'print {scheduleId, from, to} as JSON')
    .addHelpText(
      'after',
      `
Example:
  $ modelarts-export schedule backfill nightly-flowers --from 2024-05-01T00:00:00Z --to 2024-05-07T23:59:59Z
  $ modelarts-export schedule backfill hourly-flowers --from 2024-05-01T00:00:00Z --to 2024-05-01T12:00:00Z --overlap allow-all`,
    )
    .action(async (id: string, options: { from: Date; to: Date; overlap?: Overlap; json?: boolean }) => {
      if (options.to.getTime() <= options.from.getTime()) {
        throw new UsageError('--to must be after --from', 'schedule backfill');
      }
      await withClient(ctx, async ({ client }) => {
        const { paused } = await describeSchedule(client, id);
        if (paused && options.overlap && options.overlap !== 'allow-all') {
          writeLine(
            ctx.stderr,
            `Note: schedule ${id} is paused; backfilled runs with --overlap ${options.overlap} may wait until it is unpaused (allow-all starts them now).`,
          );
        }
        await backfillSchedule(client, id, { from: options.from, to: options.to, overlap: options.overlap });
        writeLine(
          ctx.stderr,
          `Backfill of schedule ${id} from ${time(options.from)} to ${time(options.to)} requested; ` +
            `see the runs with: modelarts-export schedule describe ${id}`,
        );
        if (options.json)
          writeLine(
            ctx.stdout,
            JSON.stringify({ scheduleId: id, from: options.from.toISOString(), to: options.to.toISOString() }),
          );
      });
    });
}

function registerDelete(schedule: Command, ctx: CliContext): void {
  scheduleIdArgument(schedule.command('delete'))
    .description('Delete a schedule (runs it already started go on)')
    .option('--json', 'print {scheduleId, deleted} as JSON')
    .addHelpText(
      'after',
      `
Example:
  $ modelarts-export schedule delete nightly-flowers`,
    )
    .action(async (id: string, options: { json?: boolean }) =>
      withClient(ctx, async ({ client }) => {
        await deleteSchedule(client, id);
        writeLine(ctx.stderr, `Deleted schedule ${id}.`);
        if (options.json) writeLine(ctx.stdout, JSON.stringify({ scheduleId: id, deleted: true }));
      }),
    );
}

export function registerSchedule(program: Command, ctx: CliContext): void {
  const schedule = program
    .command('schedule')
    .description('Recurring exports on Temporal Schedules: create, list, describe, pause, trigger, backfill, delete')
    .addHelpText(
      'after',
      `
Examples:
  $ modelarts-export schedule create nightly-flowers --cron "0 2 * * *" \\
      --dataset gfghHSokody6AJigS5A --path "obs://my-bucket/exports/{date}/"
  $ modelarts-export schedule describe nightly-flowers
  $ modelarts-export schedule trigger nightly-flowers

Exit codes: 0 done, 1 an unexpected error, 2 bad usage or configuration, an unknown schedule id, or an id
that is already taken (nothing was changed).`,
    );
  registerCreate(schedule, ctx);
  registerList(schedule, ctx);
  registerDescribe(schedule, ctx);
  registerPause(schedule, ctx);
  registerTrigger(schedule, ctx);
  registerBackfill(schedule, ctx);
  registerDelete(schedule, ctx);
}
