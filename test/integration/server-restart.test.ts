/** The Temporal server itself restarts (dev server on a database file) during a wait; the run still completes. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { awaitRun, getProgress, startRun } from '../../src/client/runs.js';
import { startDevServer, type DevServer } from '../../src/devserver/dev-server.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { CREDENTIALS, expectSucceeded, eventually, FAST_POLICY } from '../support/harness.js';
import { workerEnv } from '../../src/local/worker-env.js';
import { startWorkerProcess, type WorkerProcess } from '../../src/local/worker-process.js';

let dir: string;
let server: DevServer;
let sim: Simulator;
let worker: WorkerProcess;

afterAll(async () => {
  await worker?.kill();
  await sim?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('completes a run across a dev-server restart on a persistent database', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-restart-'));
  server = await startDevServer({ dbFilename: path.join(dir, 'temporal.db') });
  sim = await startSimulator({ credentials: [CREDENTIALS] });
  worker = await startWorkerProcess(workerEnv({ server, sim, taskQueue: 'restart-test', credentials: CREDENTIALS }));
  const dataset = sim.createDataset({ dataset_name: 'server-restart' });
  sim.setBehavior(dataset.dataset_id, { durationMs: 10_000, progress: 'linear' });

  let connection = await Connection.connect({ address: server.address });
  let client = new Client({ connection });
  const { workflowId } = await startRun(
    client,
    {
      steps: [{ kind: 'export', datasetId: dataset.dataset_id, request: { path: '/bucket/restart/' } }],
      wait: { policy: FAST_POLICY },
    },
    { taskQueue: 'restart-test' },
  );
  await eventually(async () => ((await getProgress(client, workflowId)).step?.statusReads ?? 0) >= 2 || undefined);
  await connection.close();

  await server.restart();

  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  const run = await awaitRun(client, workflowId);
  await connection.close();
  expectSucceeded(run);
  expect(sim.counters().byDataset[dataset.dataset_id]?.exportCreates).toBe(1);
}, 120_000);
