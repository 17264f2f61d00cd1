/** A Temporal client from the same environment and profiles the worker and the Temporal CLI read. */
import { Client, Connection } from '@temporalio/client';
import { temporalConfigFromEnv, type TemporalConfig } from '../config.js';

export interface Connected {
  client: Client;
  taskQueue: string;
  close: () => Promise<void>;
}

export async function connect(config: TemporalConfig = temporalConfigFromEnv()): Promise<Connected> {
  const { address, tls, apiKey, metadata } = config.connectionOptions;
  const connection = await Connection.connect({ address, tls, apiKey, metadata });
  return {
    client: new Client({ connection, namespace: config.namespace }),
    taskQueue: config.taskQueue,
    close: () => connection.close(),
  };
}
