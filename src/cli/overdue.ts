/**
 * `overdue [--json]`: the waits whose planned read is overdue, with the likely cause; and `exporter --listen
 * HOST:PORT [--every 15s]`: the fleet's overdue waits, open waits, pollers and drains as Prometheus metrics, one
 * process per fleet (src/exporter/). Both read only the Temporal server, so they work with every worker down.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { listOverdueWaits, type OverdueWait } from '../exporter/overdue.js';
import { REMEDY } from '../exporter/classify.js';
import { startExporter } from '../exporter/server.js';
import { parseDuration } from '../spec/duration.js';
import { duration, json, table, time } from './format.js';
import { withClient, writeLine, type CliContext } from './context.js';

export const DEFAULT_LISTEN = '127.0.0.1:9464';
const MIN_EVERY_MS = 1000;
const MAX_EVERY_MS = 3_600_000;

/** `HOST:PORT` or `[v6]:PORT`; the host is required, so the exporter listens only where it is told. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new InvalidArgumentError(
      `must be HOST:PORT, e.g. 127.0.0.1:9464 ([::1]:9464 for IPv6; port 0 = any free port); got "${value}"`,
    );
  return { host: (m[1] ?? m[2])!, port };
}

export function parseEvery(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < MIN_EVERY_MS || ms > MAX_EVERY_MS)
    throw new InvalidArgumentError(`must be a duration from 1s to 1h, e.g. 15s or 1m; got "${value}"`);
  return ms;
}

export function parseTaskQueue(value: string, previous: string[] | undefined): string[] {
  if (value.trim() === '') throw new InvalidArgumentError('must be a task queue name, not empty');
  return [...(previous ?? []), value.trim()];
}

export function overdueTable(waits: readonly OverdueWait[]): string {
  return table(
    ['WORKFLOW', 'STEP', 'TASK', 'TENANT', 'DUE', 'LATE BY', 'CAUSE'],
    waits.map((w) => [
      w.workflowId,
      w.step !== undefined ? String(w.step) : '-',
      `${w.taskKind} ${w.taskId ?? '-'}`,
      w.tenant,
      time(w.dueAt),
      duration(w.lateByMs),
      w.reason,
    ]),
  );
}

function remedies(waits: readonly OverdueWait[]): string[] {
  const reasons = [...new Set(waits.map((w) => w.reason))];
  return reasons.map((r) => `${r}: ${REMEDY[r]}`);
}

interface ExporterFlags {
  listen: { host: string; port: number };
  every: number;
  taskQueue?: string[];
  deployment?: string;
}

export function registerOverdue(program: Command, ctx: CliContext): void {
  program
    .command('overdue')
    .description('List waits whose planned status read is overdue, with the likely cause')
    .option('--json', 'print the list as JSON')
    .addHelpText(
      'after',
      `
A wait is overdue when its planned read is late by more than max(2 x the planned delay, 60 s). Causes:
worker-not-running, no-read-pollers, budget-paused, reads-failing, unknown (docs/stuck-waits.md).
Exit code 0 whether or not any wait is overdue.`,
    )
    .action(async (options: { json?: boolean }) => {
      await withClient(ctx, async ({ client, taskQueue }) => {
        const waits = await listOverdueWaits(client, { taskQueue });
        if (options.json) return writeLine(ctx.stdout, json(waits));
        if (waits.length === 0) return writeLine(ctx.stdout, `no overdue waits on task queue ${taskQueue}`);
        writeLine(ctx.stdout, overdueTable(waits));
        writeLine(ctx.stdout);
        for (const line of remedies(waits)) writeLine(ctx.stdout, line);
      });
    });

  program
    .command('exporter')
    .description('Publish overdue waits, open waits, pollers and drains as Prometheus metrics (one per fleet)')
    .addOption(
      new Option('--listen <host:port>', 'address to serve /metrics on')
        .argParser(parseListen)
        .default(parseListen(DEFAULT_LISTEN), DEFAULT_LISTEN),
    )
    .addOption(new Option('--every <duration>', 'how often to scan').argParser(parseEvery).default(15_000, '15s'))
    .addOption(
      new Option(
        '--task-queue <name>',
        'workflow task queue to watch (repeatable; default TEMPORAL_TASK_QUEUE)',
      ).argParser(parseTaskQueue),
    )
    .option('--deployment <name>', 'worker deployment whose drains to count (default MODELARTS_DEPLOYMENT_NAME)')
    .addHelpText(
      'after',
      `
Metrics: modelarts_overdue_waits{tenant,reason}, modelarts_open_waits{tenant},
modelarts_task_queue_pollers{task_queue,kind}, modelarts_drain_pending_runs{deployment,build_id},
modelarts_exporter_scan_errors_total, modelarts_exporter_last_scan_timestamp_seconds.

Examples:
  $ modelarts-export exporter --listen 127.0.0.1:9464
  $ modelarts-export exporter --listen 127.0.0.1:9464 --every 30s --task-queue team-a --task-queue team-b`,
    )
    .action(async (options: ExporterFlags) => {
      await withClient(ctx, async ({ client, taskQueue }) => {
        let lastError: string | undefined;
        const deploymentName = options.deployment ?? (ctx.env.MODELARTS_DEPLOYMENT_NAME?.trim() || undefined);
        const exporter = await startExporter({
          client,
          taskQueues: options.taskQueue ?? [taskQueue],
          ...(deploymentName ? { deploymentName } : {}),
          host: options.listen.host,
          port: options.listen.port,
          everyMs: options.every,
          // Said once per distinct error, not every scan.
          onScanError: (err) => {
            if (err.message !== lastError) writeLine(ctx.stderr, `exporter: scan failed: ${err.message}`);
            lastError = err.message;
          },
        });
        writeLine(ctx.stdout, `exporter serving ${exporter.url} (scan every ${duration(options.every)})`);
        await ctx.waitForStop();
        await exporter.stop();
      });
    });
}
