/** `status ID`: where a run is now (step, task status, progress), or how it ended. */
import type { Command } from 'commander';
import { awaitRun, getProgress, type RunOutcome, type RunProgress } from '../client/runs.js';
import { withClient, writeLine, type CliContext } from './context.js';
import { formatOutcome, formatStep, json } from './format.js';
import { describeProgress } from './progress-view.js';

export interface StatusReport extends RunProgress {
  /** Set once the run has ended. */
  outcome?: RunOutcome['outcome'];
  /** Which way it ended (src/contract/failures.ts). */
  kind?: RunOutcome['kind'];
  result?: unknown;
  message?: string;
  details?: unknown;
}

function formatRunning(p: RunProgress): string {
  const { text, live } = describeProgress(p);
  const lines = [`Run ${p.workflowId}: running`, `  ${[text, live].filter(Boolean).join('  ')}`];
  for (const step of p.pipeline?.steps ?? []) {
    lines.push(step.result ? `  ${formatStep(step.result)}` : `  ${step.index + 1}. ${step.kind}: ${step.state}`);
  }
  return lines.join('\n');
}

async function statusAction(ctx: CliContext, workflowId: string, asJson: boolean): Promise<void> {
  await withClient(ctx, async ({ client }) => {
    const progress = await getProgress(client, workflowId);
    if (progress.status === 'RUNNING') {
      writeLine(ctx.stdout, asJson ? json(progress) : formatRunning(progress));
      return;
    }
    // Ended: the result (or failure) is in history, so this returns at once.
    const outcome = await awaitRun(client, workflowId);
    const report: StatusReport =
      outcome.outcome === 'succeeded'
        ? { ...progress, outcome: outcome.outcome, kind: outcome.kind, result: outcome.result }
        : {
            ...progress,
            outcome: outcome.outcome,
            kind: outcome.kind,
            message: outcome.message,
            details: outcome.details,
          };
    writeLine(ctx.stdout, asJson ? json(report) : `${progress.status}\n${formatOutcome(workflowId, outcome)}`);
  });
}

export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('Show the progress of a run, or how it ended')
    .argument('<id>', 'workflow id of the run')
    .option('--json', 'print the status as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ modelarts-export status nightly-flowers
  $ modelarts-export status nightly-flowers --json | jq .status

The status is Temporal's: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED or TIMED_OUT. Exit code 0 whenever the
run was found (whatever its state), 2 when there is no run with that id.`,
    )
    .action(async (id: string, options: { json?: boolean }) => statusAction(ctx, id, Boolean(options.json)));
}
