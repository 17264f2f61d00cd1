/** `list`: recent runs, filtered by dataset and status through Temporal visibility (the same filters as the UI). */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DatasetIdKey } from '../workflows/search-attributes.js';
import { withClient, writeLine, type CliContext } from './context.js';
import { parseId } from './export-options.js';

/** Friendly status names → visibility `ExecutionStatus` values. */
export const LIST_STATUSES = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  'timed-out': 'TimedOut',
  'continued-as-new': 'ContinuedAsNew',
} as const;
export type ListStatus = keyof typeof LIST_STATUSES;

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

/** The visibility query; ids are validated (no quotes or spaces), so plain quoting is safe. */
export function buildListQuery(filter: { dataset?: string; status?: ListStatus }): string {
  const clauses = [`WorkflowType = 'exportPipeline'`];
  if (filter.dataset !== undefined) clauses.push(`${DatasetIdKey.name} = '${filter.dataset.replace(/'/g, "\\'")}'`);
  if (filter.status !== undefined) clauses.push(`ExecutionStatus = '${LIST_STATUSES[filter.status]}'`);
  return clauses.join(' AND ');
}

interface ListFlags {
  dataset?: string;
  status?: ListStatus;
  limit: number;
  json?: boolean;
}

interface RunRow {
  workflowId: string;
  status: string;
  datasetId?: string;
  startTime: string;
  closeTime?: string;
}

const time = (d: Date) =>
  d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

function table(rows: RunRow[]): string {
  const header = ['WORKFLOW ID', 'STATUS', 'DATASET', 'STARTED', 'CLOSED'];
  const cells = rows.map((r) => [
    r.workflowId,
    r.status,
    r.datasetId ?? '',
    time(new Date(r.startTime)),
    r.closeTime ? time(new Date(r.closeTime)) : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [header, ...cells]
    .map((c) =>
      c
        .map((v, i) => v.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function listAction(ctx: CliContext, flags: ListFlags): Promise<void> {
  await withClient(ctx, async ({ client }) => {
    const rows: RunRow[] = [];
    for await (const info of client.workflow.list({ query: buildListQuery(flags) })) {
      rows.push({
        workflowId: info.workflowId,
        status: info.status.name,
        datasetId: info.typedSearchAttributes.get(DatasetIdKey),
        startTime: info.startTime.toISOString(),
        ...(info.closeTime ? { closeTime: info.closeTime.toISOString() } : {}),
      });
      if (rows.length >= flags.limit) break;
    }
    if (flags.json) writeLine(ctx.stdout, JSON.stringify(rows, null, 2));
    else writeLine(ctx.stdout, rows.length > 0 ? table(rows) : 'No runs found.');
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
    .addHelpText(
      'after',
      `
Examples:
  $ modelarts-export list --dataset gfghHSokody6AJigS5A
  $ modelarts-export list --status failed --json

The same filter in the Temporal UI: ModelArtsDatasetId = 'gfghHSokody6AJigS5A' AND WorkflowType = 'exportPipeline'`,
    )
    .action(async (_options: ListFlags, command: Command) => listAction(ctx, command.opts<ListFlags>()));
}
