/** A Temporal client from the same environment and profiles the worker and the Temporal CLI read. */
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { temporalConfigFromEnv, type TemporalConfig } from '../config.js';
import { tracingConfigFromEnv } from '../tracing/config.js';
import { startTracing, type Tracing } from '../tracing/provider.js';

export interface Connected {
  client: Client;
  taskQueue: string;
  close: () => Promise<void>;
}

/** Tracing for a client process (the CLI, a library user) when the OTEL_* variables turn it on. */
function clientTracing(env: Record<string, string | undefined>): Tracing | undefined {
  const config = tracingConfigFromEnv(env);
  if (!config) return undefined;
  return startTracing(config, { warn: (message) => process.stderr.write(`${message}\n`) });
}

/**
 * Connects; with tracing on (OTEL_EXPORTER_OTLP_ENDPOINT, ...), each start opens the run's trace and passes it to
 * the workflow in its headers. A bad OTEL_* value is a ConfigError naming the variable.
 */
export async function connect(
  config: TemporalConfig = temporalConfigFromEnv(),
  env: Record<string, string | undefined> = process.env,
): Promise<Connected> {
  const tracing = clientTracing(env);
  const { address, tls, apiKey, metadata } = config.connectionOptions;
  const connection = await Connection.connect({ address, tls, apiKey, metadata });
  return {
    client: new Client({
      connection,
      namespace: config.namespace,
      ...(tracing && { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } }),
    }),
    taskQueue: config.taskQueue,
    close: async () => {
      await connection.close();
      // The start span leaves before a CLI command exits.
      await tracing?.flush().catch(() => undefined);
    },
  };
}
