/**
 * `budget show | set | pause | resume`: the fleet's ModelArts request budget, read and changed on the Temporal
 * server for every worker at once (src/client/budget.ts). `pause` is the kill switch.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BUDGET_CLASSES, TENANT_PATTERN, type BudgetedClass } from '../budget/classes.js';
import {
  BudgetError,
  describeBudget,
  pauseBudget,
  resumeBudget,
  setBudget,
  type BudgetTarget,
  type ClassBudget,
} from '../client/budget.js';
import { UsageError, withClient, writeLine, type CliContext } from './context.js';
import { json } from './format.js';

const CLASS_CHOICES = [...BUDGET_CLASSES, 'all'] as const;
type ClassChoice = BudgetedClass | 'all';

export function parseRps(value: string): number {
  const rps = Number(value);
  if (value.trim() === '' || !Number.isFinite(rps) || rps < 0)
    throw new InvalidArgumentError(`must be requests per second, a number >= 0 (e.g. 5 or 0.5); got "${value}"`);
  return rps;
}

export function parseTenant(value: string): string {
  if (!TENANT_PATTERN.test(value))
    throw new InvalidArgumentError(`must be 1-64 letters, digits or . _ : / - (e.g. a project id); got "${value}"`);
  return value;
}

const rate = (rps: number | undefined) => (rps === undefined ? 'none' : `${rps}/s`);

export function formatBudget(budgets: ClassBudget[]): string {
  return budgets
    .map((b) => {
      const lines = [
        `${b.budgetClass} (activity queue ${b.taskQueue})` +
          (b.paused ? `: PAUSED (kill switch on; resume restores ${rate(b.resumeRps)})` : ''),
        `  fleet limit:    ${b.paused ? '0/s (paused)' : rate(b.rps)} set through the API; in force: ${rate(b.effectiveRps)} (from ${b.source})`,
        `  tenant default: ${rate(b.tenantDefaultRps)}`,
      ];
      for (const [tenant, weight] of Object.entries(b.tenantWeights).sort()) {
        const limit = b.tenantDefaultRps !== undefined ? ` = ${rate(+(b.tenantDefaultRps * weight).toFixed(3))}` : '';
        lines.push(`  tenant ${tenant}: weight ${weight}${limit}`);
      }
      if (b.backlog !== undefined) lines.push(`  waiting tasks:  ${b.backlog}`);
      return lines.join('\n');
    })
    .join('\n');
}

interface CommonFlags {
  class?: ClassChoice;
  json?: boolean;
}

async function withBudget(
  ctx: CliContext,
  flags: CommonFlags,
  fn: (target: BudgetTarget) => Promise<ClassBudget[]>,
): Promise<void> {
  await withClient(ctx, async ({ client, taskQueue }) => {
    const target = { connection: client.connection, namespace: client.options.namespace, taskQueue };
    let budgets: ClassBudget[];
    try {
      budgets = await fn(target);
    } catch (err) {
      if (err instanceof BudgetError) throw new UsageError(err.message, 'budget');
      throw err;
    }
    writeLine(ctx.stdout, flags.json ? json(budgets) : formatBudget(budgets));
  });
}

const classOption = () =>
  new Option('--class <class>', 'which budget: reads (status GETs), writes (creates, starts, stops), all')
    .choices(CLASS_CHOICES)
    .default('all');

export function registerBudget(program: Command, ctx: CliContext): void {
  const budget = program
    .command('budget')
    .description('Show or change the fleet-wide ModelArts request budget; pause/resume is the kill switch')
    .addHelpText(
      'after',
      `
Examples:
  $ modelarts-export budget show
  $ modelarts-export budget set --class reads --rps 20            # the whole fleet, all tenants
  $ modelarts-export budget set --tenant-default --rps 2          # every tenant, before its weight
  $ modelarts-export budget set --tenant team-a --rps 6           # one tenant (weight 6 / default)
  $ modelarts-export budget pause                                  # kill switch: no ModelArts request from now on
  $ modelarts-export budget resume`,
    );
  budget
    .command('show')
    .description('Print the budget in force for each class')
    .addOption(classOption())
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags) => withBudget(ctx, flags, (t) => describeBudget(t, flags.class)));
  budget
    .command('set')
    .description('Change a budget for the whole fleet at once (no worker restart)')
    .addOption(classOption())
    .addOption(new Option('--tenant <name>', 'change this tenant only (its fairness key)').argParser(parseTenant))
    .addOption(new Option('--tenant-default', 'change the limit every tenant gets').conflicts('tenant'))
    .addOption(new Option('--rps <n>', 'requests per second').argParser(parseRps))
    .addOption(new Option('--unset', 'remove the limit (the workers\u2019 default applies again)').conflicts('rps'))
    .option('--json', 'print JSON')
    .action(
      async (flags: CommonFlags & { tenant?: string; tenantDefault?: boolean; rps?: number; unset?: boolean }) => {
        if (flags.rps === undefined && !flags.unset) throw new UsageError('give --rps N or --unset', 'budget set');
        await withBudget(ctx, flags, (t) =>
          setBudget(t, {
            budgetClass: flags.class,
            tenant: flags.tenant,
            tenantDefault: flags.tenantDefault,
            rps: flags.rps,
          }),
        );
      },
    );
  budget
    .command('pause')
    .description('Kill switch: stop dispatching ModelArts requests fleet-wide (runs wait; none fails)')
    .addOption(classOption())
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags) => withBudget(ctx, flags, (t) => pauseBudget(t, flags.class)));
  budget
    .command('resume')
    .description('Lift the kill switch: the budget in force before the pause applies again')
    .addOption(classOption())
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags) => withBudget(ctx, flags, (t) => resumeBudget(t, flags.class)));
}
