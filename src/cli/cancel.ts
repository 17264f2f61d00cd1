/**
 * `cancel ID`: asks the run to stop (intelligent tasks are stopped; exports, imports and version releases, which
 * cannot be, are left running).
 */
import type { Command } from 'commander';
import { awaitRun, cancelRun } from '../client/runs.js';
import { withClient, writeLine, type CliContext } from './context.js';
import { formatOutcome, json, outcomeJson } from './format.js';

async function cancelAction(
  ctx: CliContext,
  workflowId: string,
  flags: { wait?: boolean; json?: boolean },
): Promise<void> {
  await withClient(ctx, async ({ client }) => {
    const { requested, status } = await cancelRun(client, workflowId);
    writeLine(
      ctx.stderr,
      requested
        ? `Cancellation requested for run ${workflowId}.`
        : `Run ${workflowId} has already ended (${status}); nothing to cancel.`,
    );
    if (!flags.wait) {
      if (flags.json) writeLine(ctx.stdout, JSON.stringify({ workflowId, cancelRequested: requested, status }));
      return;
    }
    const outcome = await awaitRun(client, workflowId);
    writeLine(ctx.stdout, flags.json ? json(outcomeJson(outcome)) : formatOutcome(workflowId, outcome));
  });
}

export function registerCancel(program: Command, ctx: CliContext): void {
  program
    .command('cancel')
    .description(
      'Cancel a run: stop waiting, stop its intelligent task; exports, imports and version releases cannot be stopped and are reported',
    )
    .argument('<id>', 'workflow id of the run')
    .option('--wait', 'wait until the run has ended and print how it ended')
    .option('--json', 'print JSON on stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ modelarts-export cancel nightly-flowers
  $ modelarts-export cancel nightly-flowers --wait`,
    )
    .action(async (id: string, options: { wait?: boolean; json?: boolean }) => cancelAction(ctx, id, options));
}
