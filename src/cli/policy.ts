/**
 * `policy [--json | --scope project|global]`: the least-privilege IAM policies for the credentials the worker uses
 * (src/modelarts/permissions.ts); `doctor [--dataset ID] [--json]`: checks the configured credentials against them
 * with read-only calls, and exits 1 naming any action that is missing.
 */
import { type Command, Option } from 'commander';
import { ModelArtsClient } from '../modelarts/client.js';
import { checkAccess, type AccessCheck } from '../modelarts/doctor.js';
import { modelArtsOptionsFromEnv } from '../modelarts/env.js';
import { leastPrivilegePolicies } from '../modelarts/permissions.js';
import { validateId } from '../modelarts/validation.js';
import { EXIT, UsageError, writeLine, type CliContext } from './context.js';
import { json, table } from './format.js';

export const SCOPE_NOTE: Record<'project' | 'global', string> = {
  project:
    'Scope "Project-level services": the ModelArts actions; attach it to the user group in the project of the ' +
    'ModelArts region (e.g. eu-de).',
  global:
    'Scope "Global services": the OBS actions ModelArts performs with your rights; IAM does not let one custom ' +
    'policy mix global and project-level services, hence two.',
};

export function doctorTable(checks: readonly AccessCheck[]): string {
  return table(
    ['STATE', 'ACTION', 'POLICY', 'DETAIL'],
    checks.map((c) => [c.state, c.action, c.policy, c.detail]),
  );
}

export function registerPolicy(program: Command, ctx: CliContext): void {
  program
    .command('policy')
    .description('Print the least-privilege IAM policies (JSON) for the credentials the worker uses')
    .option('--json', 'print both policies as one JSON object {"project": …, "global": …}')
    .addOption(
      new Option('--scope <scope>', 'print only this policy, as a bare document to paste into IAM')
        .choices(['project', 'global'])
        .conflicts('json'),
    )
    .addHelpText(
      'after',
      `
Two IAM custom policies (Version 1.1): "project" holds the ModelArts actions the product calls (scope Project-level
services), "global" the OBS actions those calls need (scope Global services). docs/least-privilege.md explains
each action and where the OTC permission tables list it. Check credentials against them: modelarts-export doctor.

Examples:
  $ modelarts-export policy
  $ modelarts-export policy --scope project > modelarts-policy.json`,
    )
    .action((options: { json?: boolean; scope?: 'project' | 'global' }) => {
      const policies = leastPrivilegePolicies();
      if (options.scope) return writeLine(ctx.stdout, json(policies[options.scope]));
      if (options.json) return writeLine(ctx.stdout, json(policies));
      for (const scope of ['project', 'global'] as const) {
        writeLine(ctx.stdout, `# ${scope}: ${SCOPE_NOTE[scope]}`);
        writeLine(ctx.stdout, json(policies[scope]));
        writeLine(ctx.stdout);
      }
    });

  program
    .command('doctor')
    .description("Check the configured ModelArts credentials' access, without creating anything")
    .option('--dataset <id>', 'a dataset to read for modelarts:dataset:getDataset (default: the first one listed)')
    .option('--json', 'print the checks as JSON')
    .addHelpText(
      'after',
      `
One line per action of the least-privilege policies: ok (a read-only call needing it succeeded), missing (refused
with 403), unchecked (only a call that creates or changes something needs it, or ModelArts uses it in OBS), or
failed (the check could not run). Reads MODELARTS_* / OS_* like the worker (docs/configuration.md).
Exit code 1 when an action is missing or a check failed, 0 otherwise.

Example:
  $ modelarts-export doctor --dataset gfghHSokody6AJigS5A`,
    )
    .action(async (options: { dataset?: string; json?: boolean }) => {
      let datasetId: string | undefined;
      try {
        datasetId = options.dataset === undefined ? undefined : validateId('--dataset', options.dataset);
      } catch (error) {
        throw new UsageError((error as Error).message, 'doctor');
      }
      const client = new ModelArtsClient(modelArtsOptionsFromEnv(ctx.env));
      const checks = await checkAccess(client, datasetId === undefined ? {} : { datasetId });
      const missing = checks.filter((c) => c.state === 'missing');
      const failed = checks.filter((c) => c.state === 'failed');
      if (options.json) writeLine(ctx.stdout, json(checks));
      else writeLine(ctx.stdout, doctorTable(checks));
      for (const c of missing)
        writeLine(ctx.stderr, `missing: ${c.action} (add it to the ${c.policy} policy: modelarts-export policy)`);
      for (const c of failed) writeLine(ctx.stderr, `failed: ${c.action}: ${c.detail}`);
      if (missing.length > 0 || failed.length > 0) ctx.exitCode = EXIT.runFailed;
    });
}
