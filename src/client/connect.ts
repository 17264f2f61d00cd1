/** A Temporal client from the same environment and profiles the worker and the Temporal CLI read. */
import { Client, Connection, type DataConverter } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { temporalConfigFromEnv, type TemporalConfig } from '../config.js';
import { tracingConfigFromEnv } from '../tracing/config.js';
import { startTracing, type Tracing } from '../tracing/provider.js';
import { sealedSettingsFromEnv } from '../sealed/config.js';
import { clientDataConverter } from '../sealed/data-converter.js';

export interface Connected {
  client: Client;
  taskQueue: string;
  close: () => Promise<void>;
}

/** Tracing for a client process (the CLI, a library user) when the OTEL_* variables turn it on. */
function clientTracing(env: Record<string, string | undefined>, sealed: boolean): Tracing | undefined {
  const config = tracingConfigFromEnv(env);
  if (!config) return undefined;
  return startTracing(config, { warn: (message) => process.stderr.write(`${message}\n`) }, { sealed });
}

/**
 * Connects; with tracing on (OTEL_EXPORTER_OTLP_ENDPOINT, ...), each start opens the run's trace and passes it to
 * the workflow in its headers. With MODELARTS_SEALED=true what the client writes (starts, schedules, signals) is
 * sealed, and with keys it reads sealed runs (`status`, `list`, `start --wait --json`); see docs/sealed.md. A bad
 * OTEL_* or sealed value is a ConfigError naming the variable.
 */
export async function connect(
  config: TemporalConfig = temporalConfigFromEnv(),
  env: Record<string, string | undefined> = process.env,
): Promise<Connected> {
  const sealed = sealedSettingsFromEnv(env);
  const tracing = clientTracing(env, sealed.sealed);
  const { address, tls, apiKey, metadata } = config.connectionOptions;
  const connection = await Connection.connect({ address, tls, apiKey, metadata });
  return {
    client: new Client({
      connection,
      namespace: config.namespace,
      // A loaded converter (the client takes one as is): no require() of a converter path in any module system.
      dataConverter: clientDataConverter(sealed) as unknown as DataConverter,
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
