/** `list`: recent runs, filtered by dataset and status through Temporal visibility (the same filters as the UI). */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { LIST_STATUSES, listRuns, listRunsQuery, type ListStatus } from '../client/runs.js';
import { sealedSettingsFromEnv } from '../sealed/config.js';
import { withClient, writeLine, type CliContext } from './context.js';
import { parseId } from './export-options.js';
import { json, runTable } from './format.js';

function parseStatus(value: string): ListStatus {
  const key = value.trim().toLowerCase().replace('canceled', 'cancelled').replace(/_/g, '-');
  if (key in LIST_STATUSES) return key as ListStatus;
  throw new InvalidArgumentError(`Allowed: ${Object.keys(LIST_STATUSES).join(', ')}.`);
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('Use a whole number from 1 to 1000.');
  return n;
}

interface ListFlags {
  dataset?: string;
  status?: ListStatus;
  limit: number;
  json?: boolean;
  printQuery?: boolean;
}

async function listAction(ctx: CliContext, flags: ListFlags): Promise<void> {
  if (flags.printQuery) {
    // The Temporal UI's filter, with the keyed hashes of sealed runs computed from this process's keys.
    const { keys } = sealedSettingsFromEnv(ctx.env);
    return writeLine(ctx.stdout, listRunsQuery({ datasetId: flags.dataset, status: flags.status }, keys));
  }
  await withClient(ctx, async ({ client }) => {
    const runs = await listRuns(client, { datasetId: flags.dataset, status: flags.status, limit: flags.limit });
    if (flags.json) writeLine(ctx.stdout, json(runs));
    else writeLine(ctx.stdout, runs.length > 0 ? runTable(runs) : 'No runs found.');
  });
}

export function registerList(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .description('List runs, newest first')
    .addOption(new Option('--dataset <id>', 'only runs that started on this dataset').argParser(parseId))
    .addOption(
      new Option('--status <status>', `only runs in this state: ${Object.keys(LIST_STATUSES).join(', ')}`).argParser(
        parseStatus,
      ),
    )
    .addOption(new Option('--limit <n>', 'at most this many runs').argParser(parseLimit).default(20))
    .option('--json', 'print the runs as JSON')
    .option('--print-query', 'print the Temporal UI filter (keyed hashes of sealed runs included) and list nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ modelarts-export list --dataset gfghHSokody6AJigS5A
  $ modelarts-export list --status failed --json
  $ modelarts-export list --dataset gfghHSokody6AJigS5A --print-query   # sealed runs: the filter with the hashes

The same filter in the Temporal UI: ${listRunsQuery({ datasetId: 'gfghHSokody6AJigS5A' })}`,
    )
    .action(async (_options: ListFlags, command: Command) => listAction(ctx, command.opts<ListFlags>()));
}
