/**
 * `deploy status | ramp PERCENT | promote | rollback | drain BUILD_ID`: rolling out worker versions with runs in
 * flight (Worker Deployment Versioning; procedure in deploy/README.md). The deployment is --deployment or
 * MODELARTS_DEPLOYMENT_NAME, the same variable that makes a worker versioned.
 */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import {
  describeDeployment,
  drainVersion,
  promote,
  ramp,
  rollback,
  type DeploymentState,
  type RoutingChange,
} from '../client/deployment.js';
import { BUILD_ID_RULE, DEPLOYMENT_NAME_RULE, isBuildId, isDeploymentName } from '../deployment/worker-version.js';
import { UsageError, withClient, writeLine, type CliContext } from './context.js';

interface CommonFlags {
  deployment?: string;
  json?: boolean;
}
interface DrainFlags extends CommonFlags {
  drain?: boolean;
  timeout?: string;
}

const COMMAND = 'deploy';

export function deploymentNameOf(ctx: CliContext, flags: CommonFlags): string {
  const name = flags.deployment ?? ctx.env.MODELARTS_DEPLOYMENT_NAME;
  if (!name)
    throw new UsageError('--deployment is required (or set MODELARTS_DEPLOYMENT_NAME, as for the workers)', COMMAND);
  if (!isDeploymentName(name))
    throw new UsageError(`--deployment must be ${DEPLOYMENT_NAME_RULE}; got ${JSON.stringify(name)}`, COMMAND);
  return name;
}

export function buildIdOf(value: string | undefined, flag = '--build-id'): string | undefined {
  if (value !== undefined && !isBuildId(value))
    throw new UsageError(`${flag} must be ${BUILD_ID_RULE}; got ${JSON.stringify(value)}`, COMMAND);
  return value;
}

export function percentageOf(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100)
    throw new UsageError(
      `PERCENT must be a number from 0 to 100 (0 ends the ramp); got ${JSON.stringify(value)}`,
      COMMAND,
    );
  return n;
}

/** --timeout as seconds (default 600). */
export function timeoutOf(value: string | undefined): number {
  if (value === undefined) return 600_000;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(
      `--timeout must be a whole number of seconds greater than 0; got ${JSON.stringify(value)}`,
      COMMAND,
    );
  return n * 1000;
}

function formatState(s: DeploymentState): string {
  const lines = [`Deployment ${s.deploymentName}: current ${s.current ?? '(none)'}`];
  if (s.ramping) lines.push(`  ramping ${s.ramping.buildId} at ${s.ramping.percentage}%`);
  if (!s.routingPropagated) lines.push('  (routing change still propagating to the task queues)');
  for (const v of s.versions)
    lines.push(`  ${v.buildId.padEnd(24)} ${v.status.padEnd(9)} created ${v.createdAt?.toISOString() ?? '?'}`);
  return lines.join('\n');
}

async function switchAndDrain(
  ctx: CliContext,
  flags: DrainFlags,
  change: (client: Client, deployment: string) => Promise<RoutingChange>,
): Promise<void> {
  const deployment = deploymentNameOf(ctx, flags);
  const timeoutMs = timeoutOf(flags.timeout);
  await withClient(ctx, async ({ client }) => {
    const result = await change(client, deployment);
    writeLine(ctx.stderr, `Deployment ${deployment}: current version ${result.from ?? '(none)'} → ${result.to}.`);
    let drain;
    if (flags.drain && result.from && result.from !== result.to) {
      writeLine(ctx.stderr, `Waking the waits pinned to ${result.from} so they move to ${result.to} …`);
      drain = await drainVersion(client, deployment, result.from, { timeoutMs });
      writeLine(
        ctx.stderr,
        drain.drained
          ? `${result.from} has drained in ${(drain.elapsedMs / 1000).toFixed(1)} s: its workers can be stopped.`
          : `${result.from} still has ${drain.pinned} pinned run(s) after ${(drain.elapsedMs / 1000).toFixed(0)} s; keep its workers.`,
      );
      if (!drain.drained) ctx.exitCode = 1;
    }
    if (flags.json) writeLine(ctx.stdout, JSON.stringify({ ...result, ...(drain && { drain }) }));
  });
}

export function registerDeploy(program: Command, ctx: CliContext): void {
  const deploy = program
    .command(COMMAND)
    .description('Roll out worker versions with runs in flight (Temporal Worker Deployment Versioning)')
    .addHelpText(
      'after',
      `
Workers are versioned when MODELARTS_DEPLOYMENT_NAME is set (build id: package version and commit, or
MODELARTS_BUILD_ID). A rollout: start the new version's workers beside the old ones, then
  $ modelarts-export deploy ramp 10           # optional: 10% of new runs on the new version
  $ modelarts-export deploy promote --drain   # new version current; waits move over; old workers may stop
  $ modelarts-export deploy rollback --drain  # back to the previous version (start its workers first)
See deploy/README.md "Upgrades with runs in flight".`,
    );
  const common = (cmd: Command) =>
    cmd
      .option('--deployment <name>', 'worker deployment name (default: MODELARTS_DEPLOYMENT_NAME)')
      .option('--json', 'print JSON on stdout');
  const drainable = (cmd: Command) =>
    common(cmd)
      .option('--drain', 'then wake the waits pinned to the version left until none is left (or --timeout)')
      .option('--timeout <seconds>', 'how long --drain may take (default 600)');

  common(deploy.command('status').description('Current and ramping version, and every version with its status')).action(
    async (flags: CommonFlags) => {
      const deployment = deploymentNameOf(ctx, flags);
      await withClient(ctx, async ({ client }) => {
        const state = await describeDeployment(client, deployment);
        writeLine(ctx.stdout, flags.json ? JSON.stringify(state) : formatState(state));
      });
    },
  );

  common(
    deploy
      .command('ramp')
      .description('Send PERCENT % of new runs to a version (default: the newest that is not current); 0 ends the ramp')
      .argument('<percent>', '0 to 100')
      .option('--build-id <id>', 'version to ramp'),
  ).action(async (percent: string, flags: CommonFlags & { buildId?: string }) => {
    const deployment = deploymentNameOf(ctx, flags);
    const percentage = percentageOf(percent);
    const buildId = buildIdOf(flags.buildId);
    await withClient(ctx, async ({ client }) => {
      const result = await ramp(client, deployment, percentage, buildId);
      writeLine(
        ctx.stderr,
        `Deployment ${deployment}: ramping ${result.to} at ${result.percentage}% (current ${result.from ?? '(none)'}).`,
      );
      if (flags.json) writeLine(ctx.stdout, JSON.stringify(result));
    });
  });

  drainable(
    deploy
      .command('promote')
      .description('Make a version current (default: the newest that is not current); new runs start there')
      .option('--build-id <id>', 'version to promote'),
  ).action(async (flags: DrainFlags & { buildId?: string }) => {
    const buildId = buildIdOf(flags.buildId);
    await switchAndDrain(ctx, flags, (client, deployment) => promote(client, deployment, buildId));
  });

  drainable(
    deploy
      .command('rollback')
      .description('Make the previous current version current again and end any ramp; its workers must be running')
      .option('--build-id <id>', 'version to return to (default: the one current before)'),
  ).action(async (flags: DrainFlags & { buildId?: string }) => {
    const buildId = buildIdOf(flags.buildId);
    await switchAndDrain(ctx, flags, (client, deployment) => rollback(client, deployment, buildId));
  });

  common(
    deploy
      .command('drain')
      .description('Wake the waits pinned to a non-current version until none is left, and say how long it took')
      .argument('<build-id>', 'version to drain')
      .option('--timeout <seconds>', 'give up after this long (default 600)'),
  ).action(async (id: string, flags: CommonFlags & { timeout?: string }) => {
    const deployment = deploymentNameOf(ctx, flags);
    const buildId = buildIdOf(id, 'BUILD_ID')!;
    const timeoutMs = timeoutOf(flags.timeout);
    await withClient(ctx, async ({ client }) => {
      const result = await drainVersion(client, deployment, buildId, {
        timeoutMs,
        onProgress: (pinned, ms) =>
          writeLine(ctx.stderr, `${(ms / 1000).toFixed(0)} s: ${pinned} pinned to ${buildId}`),
      });
      writeLine(
        ctx.stderr,
        result.drained
          ? `${buildId} has drained in ${(result.elapsedMs / 1000).toFixed(1)} s.`
          : `${buildId} still has ${result.pinned} pinned run(s); keep its workers.`,
      );
      if (!result.drained) ctx.exitCode = 1;
      if (flags.json) writeLine(ctx.stdout, JSON.stringify(result));
    });
  });
}
