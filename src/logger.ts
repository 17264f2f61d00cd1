/**
 * pino for our own code and, through an adapter, for the Temporal runtime (workflow and activity `log` calls and
 * Core's own logs). JSON by default, pretty on a terminal; secrets redacted by key wherever they appear.
 */
import pino, { type Logger } from 'pino';
import { DefaultLogger, type LogLevel, type LogMetadata, Runtime } from '@temporalio/worker';
import { REDACT_PATHS, REDACTED } from './modelarts/redact.js';

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
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l' } },
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

/** Routes every Temporal SDK log entry (with workflowId, activityId, ... metadata) to pino. */
export function temporalLoggerFor(logger: Logger): DefaultLogger {
  return new DefaultLogger('DEBUG', (entry) => {
    const meta: LogMetadata = { ...entry.meta };
    // Errors have no enumerable fields: keep what an operator needs to see.
    for (const [key, value] of Object.entries(meta)) {
      if (value instanceof Error)
        meta[key] = { name: value.name, message: value.message, type: (value as { type?: string }).type };
    }
    logger[levelMap[entry.level]](meta, entry.message);
  });
}

let installed = false;

/** Installs the adapter as the Temporal runtime logger; must run before any Worker or NativeConnection exists. */
export function installRuntimeLogger(logger: Logger, metricsBindAddress?: string): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: temporalLoggerFor(logger),
    telemetryOptions: {
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      ...(metricsBindAddress ? { metrics: { prometheus: { bindAddress: metricsBindAddress } } } : {}),
    },
  });
}
