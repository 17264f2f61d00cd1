/**
 * Shared pieces of the integration tests: a Temporal client on the suite's dev server, the simulator in this
 * process (over real HTTP), and the real worker as a child process on a task queue of the test's own.
 *
 * The simulator holds every caller to the least-privilege policy (`modelarts-export policy --scope project`) unless
 * a test passes its own `policy` (or `policy: undefined`), and `close()` fails the test when any call was refused:
 * so the whole suite proves the policy is enough.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { startLocalStack } from '../../src/local/stack.js';
import { leastPrivilegePolicies } from '../../src/modelarts/permissions.js';
import { pollUntil } from '../../src/local/time.js';
import { startWorkerProcess, type WorkerProcess } from '../../src/local/worker-process.js';
import type { Simulator, SimulatorOptions } from '../../src/simulator/index.js';
import type { RunOutcome } from '../../src/client/runs.js';
import type { PipelineResult } from '../../src/workflows/types.js';

export const ACCESS_KEY = 'TESTAKEXAMPLE000001';
export const SECRET_KEY = 'test-secret-key-never-logged-0001';
export const CREDENTIALS = { accessKey: ACCESS_KEY, secretKey: SECRET_KEY };

export interface Harness {
  client: Client;
  sim: Simulator;
  taskQueue: string;
  workerEnv: Record<string, string>;
  startWorker: (extraEnv?: Record<string, string>) => Promise<WorkerProcess>;
  close: () => Promise<void>;
}

/** The product's least-privilege ModelArts policy, which the simulator enforces unless a test says otherwise. */
export const LEAST_PRIVILEGE_POLICY = leastPrivilegePolicies().project;

/** Throws when the simulator refused any call: the product needed an action its policy does not grant. */
export function refusedCalls(denials: ReturnType<Simulator['denials']>): void {
  if (denials.length === 0) return;
  const calls = [...new Set(denials.map((d) => `${d.method} ${d.route} needs ${d.action}`))];
  throw new Error(`the simulator refused ${denials.length} call(s) outside the IAM policy: ${calls.join('; ')}`);
}

/** Fast polling for tests: real timers, so keep waits short. */
export const FAST_POLICY = { minDelayMs: 100, initialDelayMs: 100, maxDelayMs: 1000 };

/** The suite's dev server (see global-setup.ts), as the environment names it. */
const suiteServer = () => ({
  address: process.env.TEMPORAL_ADDRESS ?? '',
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
});

export async function createHarness(options: SimulatorOptions = {}): Promise<Harness> {
  const server = suiteServer();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const taskQueue = `test-${randomUUID()}`;
  const stack = await startLocalStack({
    server,
    // Tasks on datasets the tests did not configure (e.g. one a NEW_DATASET export created) finish quickly.
    simulator: {
      defaults: { durationMs: 1500, progress: 'linear' },
      policy: LEAST_PRIVILEGE_POLICY,
      ...options,
    },
    credentials: CREDENTIALS,
    taskQueue,
  });
  const workers: WorkerProcess[] = [];
  return {
    client,
    sim: stack.sim,
    taskQueue,
    workerEnv: stack.workerEnv(),
    startWorker: async (extraEnv = {}) => {
      // Whole output kept: tests assert on the worker's log lines.
      const worker = await startWorkerProcess(stack.workerEnv(extraEnv), { keepAll: true });
      workers.push(worker);
      return worker;
    },
    close: async () => {
      const denials = stack.sim.denials();
      await Promise.all(workers.map((w) => w.kill()));
      await stack.close();
      await connection.close();
      refusedCalls(denials);
    },
  };
}

export function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  return pollUntil(fn, { timeoutMs, intervalMs: 100 }) as Promise<T>;
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
