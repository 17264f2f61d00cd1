/** `simulator`: the ModelArts simulator alone, with demo datasets and credentials, until SIGINT/SIGTERM. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { simulatorEnv } from '../local/worker-env.js';
import { parsePolicy, PolicyError, type IamPolicy } from '../modelarts/permissions.js';
import { DEMO_CREDENTIALS, DEMO_DATASETS, runSimulator } from '../simulator/index.js';
import { isLoopbackHost } from '../loopback.js';
import { ADMIN_TOKEN_VARIABLE } from '../simulator/admin-gate.js';
import { UsageError, writeLine, type CliContext } from './context.js';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('Use a port number from 0 to 65535 (0 = any free port).');
  return n;
}

/** A gateway limit: a positive number of requests. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`must be a number of requests greater than 0; got "${value}"`);
  return n;
}

/** `--policy FILE`: an IAM custom policy document, checked here so a bad file stops the start naming the field. */
export function readPolicyFile(file: string): IamPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--policy ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'simulator',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--policy ${file}: is not JSON`, 'simulator');
  }
  try {
    return parsePolicy(parsed, `--policy ${file}`);
  } catch (error) {
    if (error instanceof PolicyError) throw new UsageError(error.message, 'simulator');
    throw error;
  }
}

interface SimulatorFlags {
  policy?: string;
  port: number;
  host: string;
  stateFile?: string;
  apiLimitRps?: number;
  apiLimitRpm?: number;
  apiLimitCode?: 'ModelArts.4206' | 'APIG.0308';
}

export function registerSimulator(program: Command, ctx: CliContext): void {
  program
    .command('simulator')
    .description('Run the ModelArts simulator (a local emulator of the API) with demo datasets')
    .addOption(new Option('--port <n>', 'port to listen on (0 = any free port)').argParser(parsePort).default(8090))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--state-file <path>',
      'keep datasets, tasks and counters in this JSON file and resume from it (default: in memory only)',
    )
    .option(
      '--policy <file>',
      'hold callers to this IAM custom policy: calls it does not allow answer 403 ModelArts.0108 (see modelarts-export policy)',
    )
    .addOption(
      new Option(
        '--api-limit-rps <n>',
        'gateway limit per project and API, requests per second (429 over it)',
      ).argParser(parseLimit),
    )
    .addOption(
      new Option('--api-limit-rpm <n>', 'gateway limit per project and API, requests per minute').argParser(parseLimit),
    )
    .addOption(
      new Option('--api-limit-code <code>', "error code of the limit's 429 answers")
        .choices(['ModelArts.4206', 'APIG.0308'])
        .default('ModelArts.4206'),
    )
    .addHelpText(
      'after',
      `
Prints one JSON line on stdout (endpoint, project id, demo credentials, datasets), then how to point a worker at it.
The admin API (/_sim/) answers only requests addressed to this machine; with ${ADMIN_TOKEN_VARIABLE} set (required
for a --host other than loopback) only requests with "Authorization: Bearer <token>".
With --state-file, tasks started before a restart are still there after it, with their progress following the
clock; the demo datasets are added only when the file does not exist yet.

Examples:
  $ modelarts-export simulator --port 8090
  $ modelarts-export simulator --port 8090 --state-file .data/simulator.json
  $ modelarts-export simulator --api-limit-rps 5 --api-limit-rpm 200     # throttle like the gateway
  $ modelarts-export policy --scope project > policy.json && modelarts-export simulator --policy policy.json`,
    )
    .action(async (options: SimulatorFlags) => {
      const adminToken = ctx.env[ADMIN_TOKEN_VARIABLE]?.trim() || undefined;
      if (!isLoopbackHost(options.host) && !adminToken)
        throw new UsageError(
          `--host ${options.host}: listening beyond this machine needs an admin token for the admin API (/_sim/ mints ` +
            `tokens and sets faults): set ${ADMIN_TOKEN_VARIABLE}`,
          'simulator',
        );
      const policy = options.policy === undefined ? undefined : readPolicyFile(options.policy);
      const limited = options.apiLimitRps !== undefined || options.apiLimitRpm !== undefined;
      const sim = await runSimulator({
        port: options.port,
        host: options.host,
        ...(adminToken ? { adminToken } : {}),
        ...(policy ? { policy } : {}),
        ...(limited
          ? {
              faults: {
                apiLimit: {
                  perSecond: options.apiLimitRps,
                  perMinute: options.apiLimitRpm,
                  code: options.apiLimitCode,
                },
              },
            }
          : {}),
        ...(options.stateFile !== undefined ? { stateFile: path.resolve(options.stateFile) } : {}),
        handleSignals: false,
        print: (line) => writeLine(ctx.stdout, line),
      });
      const env = Object.entries(simulatorEnv(sim, DEMO_CREDENTIALS)).map(([k, v]) => `${k}=${v}`);
      writeLine(ctx.stderr, `ModelArts simulator at ${sim.url} (project ${sim.projectId}). Point a worker at it with:`);
      writeLine(ctx.stderr, `  ${env.join(' \\\n  ')} \\\n  modelarts-export worker`);
      writeLine(
        ctx.stderr,
        `Demo datasets: ${DEMO_DATASETS.map((d) => `${d.dataset_id} (${d.dataset_name})`).join(', ')}`,
      );
      if (policy) writeLine(ctx.stderr, `Callers held to the IAM policy in ${options.policy}`);
      if (options.stateFile !== undefined) writeLine(ctx.stderr, `State kept in ${path.resolve(options.stateFile)}`);
      writeLine(ctx.stderr, 'Press Ctrl-C to stop.');
      await ctx.waitForStop();
      await sim.close();
    });
}
