/** `start`: one export from flags, or a full spec from a file; optionally waits and reports the outcome. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { startRun, workflowIdProblem } from '../client/runs.js';
import { parsePipelineSpec } from '../spec/pipeline.js';
import { EXIT, withClient, writeLine, type CliContext } from './context.js';
import { addExportOptions, specFromExportFlags, type ExportFlags } from './export-options.js';
import { exitCodeFor, formatOutcome, json, outcomeJson } from './format.js';
import { createProgressView, followRun } from './progress-view.js';

interface StartFlags extends ExportFlags {
  id?: string;
  wait?: boolean;
  json?: boolean;
  dryRun?: boolean;
}

async function startAction(ctx: CliContext, flags: StartFlags): Promise<void> {
  // A run started from the command line is interactive: it goes ahead of scheduled backlogs in the request budget.
  const flagSpec = await specFromExportFlags(flags, 'start');
  const spec =
    typeof flagSpec === 'object' && flagSpec !== null && !Array.isArray(flagSpec)
      ? { origin: 'interactive', ...flagSpec }
      : flagSpec;
  if (flags.dryRun) {
    writeLine(ctx.stdout, json(parsePipelineSpec(spec)));
    return;
  }
  await withClient(ctx, async ({ client, taskQueue }) => {
    const { workflowId, started, existing } = await startRun(client, spec, {
      taskQueue,
      ...(flags.id ? { workflowId: flags.id } : {}),
    });
    if (started) writeLine(ctx.stderr, `Started run ${workflowId} on task queue ${taskQueue}.`);
    else {
      const state = existing ? ` (${existing.status})` : '';
      writeLine(ctx.stderr, `Attached to run ${workflowId}${state}, which already exists; nothing new was started.`);
      if (existing?.sameSpec === false)
        writeLine(
          ctx.stderr,
          `The spec given differs from the one run ${workflowId} was started with: it goes on with its own. ` +
            'Use another --id (or none) to start a run with this spec.',
        );
    }
    if (!flags.wait) {
      const attached = existing
        ? { attached: true, status: existing.status, ...(existing.sameSpec === false ? { specDiffers: true } : {}) }
        : {};
      writeLine(ctx.stdout, flags.json ? JSON.stringify({ workflowId, started, ...attached }) : workflowId);
      if (!flags.json) writeLine(ctx.stderr, `Follow it with: modelarts-export status ${workflowId}`);
      return;
    }
    // Ctrl-C stops following, not the run: say so, since an export keeps going on the server either way.
    const following = new AbortController();
    const view = createProgressView(ctx.stderr);
    const outcome = await Promise.race([
      followRun(client, workflowId, view, { signal: following.signal }),
      ctx.waitForStop(following.signal).then(() => undefined),
    ]).finally(() => following.abort());
    if (!outcome) {
      writeLine(
        ctx.stderr,
        `Stopped following. Run ${workflowId} continues; see it with \`modelarts-export status ${workflowId}\`, stop it with \`modelarts-export cancel ${workflowId}\`.`,
      );
      ctx.exitCode = EXIT.interrupted;
      return;
    }
    writeLine(ctx.stdout, flags.json ? json(outcomeJson(outcome)) : formatOutcome(workflowId, outcome));
    ctx.exitCode = exitCodeFor(outcome);
  });
}

/**
 * An empty --id (say, from an unset shell variable) would silently start a new run on every call; a newline or a
 * bidi override would garble logs and make the run's name display misleadingly.
 */
function parseWorkflowId(value: string): string {
  const problem = workflowIdProblem(value);
  if (problem) throw new InvalidArgumentError(`It ${problem}.`);
  return value;
}

export function registerStart(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('start')
    .description('Start an export run (or attach to the run with the same --id), optionally waiting for it');
  addExportOptions(cmd)
    .addOption(
      new Option(
        '--id <workflow-id>',
        'workflow id of the run; starting the same id again attaches to that run',
      ).argParser(parseWorkflowId),
    )
    .option('--wait', 'show progress until the run ends; exit 0 only if every step succeeded')
    .option(
      '--json',
      'print JSON on stdout: {workflowId, started} (attaching: also attached, status, specDiffers), or with --wait the run result',
    )
    .option('--dry-run', 'print the validated run spec and exit; nothing is contacted')
    .addHelpText(
      'after',
      `
Examples:
  $ modelarts-export start --dataset gfghHSokody6AJigS5A --path obs://my-bucket/exports/ --annotation-format COCO --wait
  $ modelarts-export start --dataset gfghHSokody6AJigS5A --path /my-bucket/in/ \\
      --new-dataset flowers-clean --new-dataset-work-path /my-bucket/flowers-clean/ --id nightly-flowers --wait --json
  $ modelarts-export start --spec chain.json --wait
  $ modelarts-export start --spec docs/examples/lifecycle.json --wait   # import → auto-label → version → exports

Exit codes: 0 every step succeeded (or started, without --wait), 1 the run failed, was cancelled or timed out,
2 bad usage or configuration (nothing was started).`,
    )
    .action(async (_options: StartFlags, command: Command) => startAction(ctx, command.opts<StartFlags>()));
}
