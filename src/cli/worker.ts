/** `worker`: the worker with configuration from the environment (bad configuration exits 2 before anything starts). */
import type { Command } from 'commander';
import { workerConfigFromEnv } from '../config.js';
import { runWorker } from '../worker.js';
import type { CliContext } from './context.js';

export function registerWorker(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('Run the worker (workflows + ModelArts activities) until SIGINT/SIGTERM')
    .addHelpText(
      'after',
      `
Configuration comes from the environment:
  Temporal:  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS variables or a profile; TEMPORAL_TASK_QUEUE
  ModelArts: MODELARTS_ENDPOINT, MODELARTS_PROJECT_ID and one of
             MODELARTS_ACCESS_KEY + MODELARTS_SECRET_KEY,
             MODELARTS_IAM_ENDPOINT + MODELARTS_USERNAME + MODELARTS_PASSWORD + MODELARTS_DOMAIN_NAME + MODELARTS_PROJECT_NAME,
             or MODELARTS_AUTH_TOKEN (OpenStack OS_* names work too)

Example:
  $ TEMPORAL_ADDRESS=temporal:7233 MODELARTS_ENDPOINT=https://modelarts.eu-de.otc.t-systems.com \\
    MODELARTS_PROJECT_ID=... MODELARTS_ACCESS_KEY=... MODELARTS_SECRET_KEY=... modelarts-export worker`,
    )
    .action(async () => {
      // Throws ConfigError (exit 2) listing every bad variable before anything connects.
      const config = workerConfigFromEnv(ctx.env);
      await runWorker(config);
    });
}
