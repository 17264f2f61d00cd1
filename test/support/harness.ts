/**
 * Shared pieces of the integration tests: a Temporal client on the suite's dev server, the simulator in this
 * process (over real HTTP), and the real worker as a child process on a task queue of the test's own.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';
import type { RunOutcome } from '../../src/client/runs.js';
import type { PipelineResult } from '../../src/workflows/types.js';

export const ACCESS_KEY = 'TESTAKEXAMPLE000001';
export const SECRET_KEY = 'test-secret-key-never-logged-0001';

export interface Harness {
  client: Client;
  sim: Simulator;
  taskQueue: string;
  workerEnv: Record<string, string>;
  startWorker: (extraEnv?: Record<string, string>) => Promise<WorkerProcess>;
  close: () => Promise<void>;
}

/** Fast polling for tests: real timers, so keep waits short. */
export const FAST_POLICY = { minDelayMs: 100, initialDelayMs: 100, maxDelayMs: 1000 };

export async function createHarness(options: SimulatorOptions = {}): Promise<Harness> {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  // Tasks on datasets the tests did not configure (e.g. one a NEW_DATASET export created) finish quickly.
  const sim = await startSimulator({
    credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
    defaults: { durationMs: 1500, progress: 'linear' },
    ...options,
  });
  const taskQueue = `test-${randomUUID()}`;
  const workerEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS ?? '',
    TEMPORAL_NAMESPACE: process.env.TEMPORAL_NAMESPACE ?? 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    MODELARTS_ENDPOINT: sim.url,
    MODELARTS_PROJECT_ID: sim.projectId,
    MODELARTS_ACCESS_KEY: ACCESS_KEY,
    MODELARTS_SECRET_KEY: SECRET_KEY,
  };
  const workers: WorkerProcess[] = [];
  return {
    client,
    sim,
    taskQueue,
    workerEnv,
    startWorker: async (extraEnv = {}) => {
      const worker = await startWorkerProcess({ ...workerEnv, ...extraEnv });
      workers.push(worker);
      return worker;
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.kill()));
      await sim.close();
      await connection.close();
    },
  };
}

export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Asserts a run succeeded, showing its failure message and details when it did not. */
export function expectSucceeded(run: RunOutcome): PipelineResult {
  if (run.outcome !== 'succeeded')
    throw new Error(`run ${run.outcome}: ${run.message}\n${JSON.stringify(run.details, null, 2)}`);
  return run.result;
}

/** A dataset that meets the service's preconditions for auto labeling (labels, >= 5 labeled images each, unlabeled ones left). */
export function labeledDataset(sim: Simulator, name: string) {
  return sim.createDataset({
    dataset_name: name,
    labels: [
      { name: 'cat', type: 0 },
      { name: 'dog', type: 0 },
    ],
    total_sample_count: 100,
    annotated_sample_count: 20,
  });
}
