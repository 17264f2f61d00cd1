/** `simulator`: the ModelArts simulator alone, with demo datasets and credentials, until SIGINT/SIGTERM. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEMO_CREDENTIALS, DEMO_DATASETS, runSimulator } from '../simulator/index.js';
import { writeLine, type CliContext } from './context.js';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('Use a port number from 0 to 65535 (0 = any free port).');
  return n;
}

/** The environment a worker needs to talk to a simulator at `url`. */
export function simulatorEnv(url: string, projectId: string): Record<string, string> {
  return {
    MODELARTS_ENDPOINT: url,
    MODELARTS_PROJECT_ID: projectId,
    MODELARTS_ACCESS_KEY: DEMO_CREDENTIALS.accessKey,
    MODELARTS_SECRET_KEY: DEMO_CREDENTIALS.secretKey,
  };
}

export function registerSimulator(program: Command, ctx: CliContext): void {
  program
    .command('simulator')
    .description('Run the ModelArts simulator (a local emulator of the API) with demo datasets')
    .addOption(new Option('--port <n>', 'port to listen on (0 = any free port)').argParser(parsePort).default(8090))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addHelpText(
      'after',
      `
Prints one JSON line on stdout (endpoint, project id, demo credentials, datasets), then how to point a worker at it.

Example:
  $ modelarts-export simulator --port 8090`,
    )
    .action(async (options: { port: number; host: string }) => {
      const sim = await runSimulator({
        port: options.port,
        host: options.host,
        handleSignals: false,
        print: (line) => writeLine(ctx.stdout, line),
      });
      const env = Object.entries(simulatorEnv(sim.url, sim.projectId)).map(([k, v]) => `${k}=${v}`);
      writeLine(ctx.stderr, `ModelArts simulator at ${sim.url} (project ${sim.projectId}). Point a worker at it with:`);
      writeLine(ctx.stderr, `  ${env.join(' \\\n  ')} \\\n  modelarts-export worker`);
      writeLine(
        ctx.stderr,
        `Demo datasets: ${DEMO_DATASETS.map((d) => `${d.dataset_id} (${d.dataset_name})`).join(', ')}`,
      );
      writeLine(ctx.stderr, 'Press Ctrl-C to stop.');
      await ctx.waitForStop();
      await sim.close();
    });
}
