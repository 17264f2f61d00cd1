/**
 * pino for our own code and, through an adapter, for the Temporal runtime (workflow and activity `log` calls and
 * Core's own logs). JSON by default, pretty on a terminal; secrets redacted by key wherever they appear.
 */
import pino, { type Logger } from 'pino';
import { DefaultLogger, type LogLevel, type LogMetadata, Runtime } from '@temporalio/worker';
import { REDACT_PATHS, REDACTED, SEALED_TEXT } from './modelarts/redact.js';

export interface LoggerOptions {
  level?: string;
  /** Pretty output; defaults to true on a TTY. */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty =
    options.pretty ?? (process.env.LOG_FORMAT ? process.env.LOG_FORMAT === 'pretty' : process.stdout.isTTY);
  const base = { level, redact: { paths: REDACT_PATHS, censor: REDACTED }, base: undefined };
  if (pretty) {
    // pino-pretty runs in a worker thread and writes to a file descriptor: the destination's own (stderr in `dev`).
    const fd = (options.destination as { fd?: unknown } | undefined)?.fd;
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: {
          colorize: true,
          translateTime: 'HH:MM:ss.l',
          ...(typeof fd === 'number' ? { destination: fd } : {}),
        },
      },
    });
  }
  return options.destination ? pino(base, options.destination as pino.DestinationStream) : pino(base);
}

const levelMap: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * SDK warnings that describe our design, not a problem: the budget queues' Workers run activities only (src/worker.ts),
 * and the SDK warns for each at start. Logged at debug instead, so a newcomer's first screen has no false alarm.
 */
const EXPECTED_SDK_WARNINGS = new Set(['No workflows registered, not polling for workflow tasks']);

export interface RuntimeLoggerOptions {
  /**
   * Sealed mode: an error's message (a ModelArts failure names the task and dataset ids and quotes the service's
   * error_msg) is not logged; its name and failure type are. The SDK logs such errors itself ("Workflow failed",
   * "Activity failed"), so this adapter is the one place to keep them out.
   */
  sealed?: boolean;
}

/** Routes every Temporal SDK log entry (with workflowId, activityId, ... metadata) to pino. */
export function temporalLoggerFor(logger: Logger, options: RuntimeLoggerOptions = {}): DefaultLogger {
  return new DefaultLogger('DEBUG', (entry) => {
    if (entry.level === 'WARN' && EXPECTED_SDK_WARNINGS.has(entry.message)) {
      logger.debug({ ...entry.meta }, entry.message);
      return;
    }
    const meta: LogMetadata = { ...entry.meta };
    // Errors have no enumerable fields: keep what an operator needs to see.
    for (const [key, value] of Object.entries(meta)) {
      if (value instanceof Error)
        meta[key] = {
          name: value.name,
          message: options.sealed ? SEALED_TEXT : value.message,
          type: (value as { type?: string }).type,
        };
    }
    logger[levelMap[entry.level]](meta, entry.message);
  });
}

let installed = false;

/** Installs the adapter as the Temporal runtime logger; must run before any Worker or NativeConnection exists. */
export function installRuntimeLogger(
  logger: Logger,
  metricsBindAddress?: string,
  options: RuntimeLoggerOptions = {},
): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: temporalLoggerFor(logger, options),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(metricsBindAddress ? { metrics: { prometheus: { bindAddress: metricsBindAddress } } } : {}),
    },
  });
}
