/** The built CLI as users run it: `node bin/modelarts-export.js ...` in a child process. Needs `npm run build`. */
import { spawn } from 'node:child_process';
import path from 'node:path';

const bin = path.resolve('bin', 'modelarts-export.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment `modelarts-export dev` gets in the tests: no TEMPORAL_* or MODELARTS_* variables (dev needs none);
 * TEMPORAL_CLI_PATH, when set, lets it reuse the suite's Temporal binary.
 */
export function devEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
  };
}

/** Runs the CLI against the suite's dev server on `taskQueue`, with only what a user would set in the environment. */
export function runCli(taskQueue: string, ...args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [bin, ...args], {
    // The CLI must find everything else itself.
    env: {
      PATH: process.env.PATH ?? '',
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? '',
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
