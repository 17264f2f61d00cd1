/**
 * What every command gets: where to write, which environment to read, and the Temporal connection made from it.
 * Commands never call process.exit; they return (or throw) and `run()` in main.ts turns that into an exit code.
 */
import { connect, type Connected } from '../client/connect.js';
import { temporalConfigFromEnv } from '../config.js';
import { tracingConfigFromEnv } from '../tracing/config.js';
import { sealedSettingsFromEnv } from '../sealed/config.js';

export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: Record<string, string | undefined>;
}

export interface CliContext extends CliIo {
  /** Set by a command whose result is not plain success (1 = the run failed, was cancelled or timed out). */
  exitCode: number;
  /**
   * Resolves on SIGINT/SIGTERM (overridable, so long-running commands can be stopped from tests). Aborting
   * `until` removes the listeners, so Ctrl-C works as usual again.
   */
  waitForStop: (until?: AbortSignal) => Promise<string>;
}

/** Exit codes: the stable interface scripts rely on (130 is the shell's own code for Ctrl-C). */
export const EXIT = { ok: 0, runFailed: 1, usage: 2, interrupted: 130 } as const;

/** Bad usage found by our own checks (commander reports its own); exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Command whose --help is suggested. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Temporal is unreachable with the configured address; exits 2, like other configuration problems. */
export class ConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectError';
  }
}

export function writeLine(stream: OutStream, text = ''): void {
  stream.write(`${text}\n`);
}

/** Connects from the environment, runs `fn`, and always closes the connection (an open channel keeps Node alive). */
export async function withClient<T>(ctx: CliContext, fn: (connected: Connected) => Promise<T>): Promise<T> {
  const config = temporalConfigFromEnv(ctx.env);
  // Tracing's OTEL_* variables are checked before connecting: a bad one is a ConfigError (exit 2).
  tracingConfigFromEnv(ctx.env);
  sealedSettingsFromEnv(ctx.env); // likewise MODELARTS_SEALED and its keys
  let connected: Connected;
  try {
    connected = await connect(config, ctx.env);
  } catch (err) {
    throw new ConnectError(
      `cannot reach Temporal at ${config.connectionOptions.address} (namespace ${config.namespace}): ${(err as Error).message}\n` +
        'Set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TEMPORAL_API_KEY or TLS variables) or a Temporal CLI profile, ' +
        'or run `modelarts-export dev` for a local server.',
    );
  }
  try {
    return await fn(connected);
  } finally {
    await connected.close();
  }
}

export function waitForSignal(until?: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const off = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    const onSignal = (signal: string) => {
      off();
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    until?.addEventListener('abort', off, { once: true });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
