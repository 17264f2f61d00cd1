/**
 * `npm run histories:record`: runs representative workflows (single export, three-step chain, intelligent task,
 * failed task, cancelled wait, continue-as-new, the dataset lifecycle, a busy refusal waited out, a task shown late and
 * a new dataset ready late, a sealed chain) on a throwaway dev server and simulator, and writes their histories
 * to test/histories/. The replay test runs them through the current workflow code on every `npm test`, so a change
 * that would break running workflows (non-determinism) fails CI. Re-record only on purpose; names given as arguments
 * (`npm run histories:record -- lifecycle`) record only those, leaving the others as they are.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { NativeConnection, Worker } from '@temporalio/worker';
import { BUDGET_CLASSES, budgetQueueName } from '../budget/classes.js';
import { createActivities } from '../activities/index.js';
import { runLocalActivities } from '../activities/placeholders.js';
import { awaitRun, startRun } from '../client/runs.js';
import { workerConfigFromEnv } from '../config.js';
import { startDevServer } from '../devserver/dev-server.js';
import { startLocalStack } from '../local/stack.js';
import { projectRoot } from '../devserver/resolve-cli.js';
import { createLogger, installRuntimeLogger } from '../logger.js';
import { ModelArtsClient } from '../modelarts/client.js';
import { TokenAuth } from '../modelarts/auth.js';
import { sealedSettingsFromEnv } from '../sealed/config.js';
import { clientDataConverter } from '../sealed/data-converter.js';
import { startSimulator } from '../simulator/index.js';
import { createWorker } from '../worker.js';

const outDir = path.join(projectRoot, 'test', 'histories');
/** Test-only keys (never a real one): the sealed history is recorded and replayed with them. */
const SEALED_TEST_KEYS = path.join(outDir, 'sealed-test-keys');
const policy = { minDelayMs: 100, initialDelayMs: 100, maxDelayMs: 500 };
/** Meets the service's preconditions for auto labeling. */
const labeled = { labels: [{ name: 'cat', type: 0 }], total_sample_count: 50, annotated_sample_count: 10 };

installRuntimeLogger(createLogger({ level: 'warn', pretty: false }));
const server = await startDevServer();
const sim = await startSimulator();
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection });
const taskQueue = 'record-histories';
const nativeConnection = await NativeConnection.connect({ address: server.address });
const modelarts = new ModelArtsClient({
  endpoint: sim.url,
  projectId: sim.projectId,
  auth: new TokenAuth(sim.issueToken(24 * 3600_000)),
});
const activities = createActivities(modelarts);
const worker = await Worker.create({
  connection: nativeConnection,
  taskQueue,
  workflowBundle: { codePath: path.join(projectRoot, 'dist', 'workflow-bundle.js') },
  activities: { ...activities, ...runLocalActivities() },
});
// The ModelArts activities run on the budgeted queues (src/budget/classes.ts), as in the real worker.
const budgetWorkers = await Promise.all(
  BUDGET_CLASSES.map((c) =>
    Worker.create({ connection: nativeConnection, taskQueue: budgetQueueName(taskQueue, c), activities }),
  ),
);

const only = process.argv.slice(2);

/** Runs one spec and writes the history of every run it made: the pipeline, each step, each continued-as-new run. */
async function record(
  name: string,
  spec: { steps: unknown[] } & Record<string, unknown>,
  act?: (workflowId: string) => Promise<void>,
  on: { client: Client; taskQueue: string } = { client, taskQueue },
): Promise<void> {
  if (only.length > 0 && !only.includes(name)) return;
  const workflowId = `history-${name}`;
  await startRun(on.client, spec, { taskQueue: on.taskQueue, workflowId });
  if (act) await act(workflowId);
  const outcome = await awaitRun(on.client, workflowId);
  let written = 0;
  for (const id of [workflowId, ...spec.steps.map((_, i) => `${workflowId}.step-${i + 1}`)]) {
    // Walk a continue-as-new chain backwards: each run's start event names the run it continues.
    let runId: string | undefined;
    for (let n = 0; ; n++) {
      const history = await client.workflow.getHandle(id, runId).fetchHistory();
      await writeFile(path.join(outDir, `${id}${n === 0 ? '' : `.previous-${n}`}.json`), historyToJSON(history));
      written++;
      runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
      if (!runId) break;
    }
  }
  console.log(`${name}: ${outcome.outcome} (${written} histories)`);
}

await mkdir(outDir, { recursive: true });
/** A single export, a three-step chain, a failed task, continue-as-new and a cancelled wait. */
async function recordBasics(): Promise<void> {
  const d1 = sim.createDataset({ dataset_name: 'history-export' });
  sim.setBehavior(d1.dataset_id, { durationMs: 1500, progress: 'linear' });
  await record('export', {
    // A placeholder: its expansion is recorded once (a local activity behind a patch).
    steps: [{ kind: 'export', datasetId: d1.dataset_id, request: { path: '/bucket/out/{date}/' } }],
    wait: { policy },
  });

  const d2 = sim.createDataset({ dataset_name: 'history-chain', ...labeled });
  sim.setBehavior(d2.dataset_id, { durationMs: 800, progress: 'stepwise', steps: 4 });
  await record('chain', {
    steps: [
      { kind: 'intelligent-task', datasetId: d2.dataset_id, request: { task_type: 'auto-label' } },
      {
        kind: 'export',
        request: {
          path: '/bucket/chain/',
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: 'history-new',
            export_new_dataset_work_path: '/bucket/new/',
          },
        },
      },
      { kind: 'export', request: { path: '/bucket/coco/', annotation_format: 'COCO' } },
    ],
    wait: { policy },
  });

  const d3 = sim.createDataset({ dataset_name: 'history-failed' });
  sim.setBehavior(d3.dataset_id, {
    durationMs: 500,
    progress: 'linear',
    fail: { error_code: 'ModelArts.4401', error_msg: 'Failed to export data.' },
  });
  await record('failed', {
    steps: [{ kind: 'export', datasetId: d3.dataset_id, request: { path: '/bucket/failed/' } }],
    wait: { policy },
  });

  const d4 = sim.createDataset({ dataset_name: 'history-continue-as-new' });
  sim.setBehavior(d4.dataset_id, { durationMs: 3000, progress: 'none' });
  await record('continue-as-new', {
    steps: [{ kind: 'export', datasetId: d4.dataset_id, request: { path: '/bucket/can/' } }],
    wait: { policy: { ...policy, maxDelayMs: 300 }, maxReadsPerRun: 3 },
  });

  const d5 = sim.createDataset({ dataset_name: 'history-cancel', ...labeled });
  sim.setBehavior(d5.dataset_id, { durationMs: 60_000, progress: 'linear' });
  await record(
    'cancel',
    {
      steps: [{ kind: 'intelligent-task', datasetId: d5.dataset_id, request: { task_type: 'auto-label' } }],
      wait: { policy },
    },
    async (id) => {
      await new Promise((r) => setTimeout(r, 1500));
      await client.workflow.getHandle(id).cancel();
    },
  );
}

/** The dataset lifecycle in one spec: import, auto label, publish a version, export it, export the new dataset. */
async function recordLifecycle(): Promise<void> {
  const d6 = sim.createDataset({ dataset_name: 'history-lifecycle', ...labeled });
  sim.setBehavior(d6.dataset_id, { durationMs: 800, progress: 'linear' });
  await record('lifecycle', {
    steps: [
      { kind: 'import', datasetId: d6.dataset_id, request: { import_path: 'obs://bucket/batch/', import_type: 'dir' } },
      { kind: 'intelligent-task', request: { task_type: 'auto-label' } },
      { kind: 'publish-version', request: { version_name: 'v1' } },
      {
        kind: 'export',
        version: 'previous',
        request: {
          path: '/bucket/lifecycle/',
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: 'history-lifecycle-new',
            export_new_dataset_work_path: '/bucket/lifecycle-new/',
          },
        },
      },
      { kind: 'export', request: { path: '/bucket/lifecycle-coco/', annotation_format: 'COCO' } },
    ],
    wait: { policy },
  });
}

/** A service that is busy (a refusal waited out) and slow (a task shown late, a new dataset ready late). */
async function recordSlowService(): Promise<void> {
  // A busy service: the import is refused (4356, another import runs) and waited out on timers.
  const d7 = sim.createDataset({ dataset_name: 'history-busy' });
  sim.setBehavior(d7.dataset_id, { durationMs: 1200, progress: 'linear' });
  await modelarts.createImportTask(d7.dataset_id, { import_path: 'obs://bucket/other/', import_type: 'dir' });
  await record('busy', {
    steps: [
      { kind: 'import', datasetId: d7.dataset_id, request: { import_path: 'obs://bucket/mine/', import_type: 'dir' } },
    ],
    wait: { policy },
  });

  // A slow service: the new task shows late (read again within the grace), the new dataset is ready late.
  const d8 = sim.createDataset({ dataset_name: 'history-late' });
  sim.setBehavior(d8.dataset_id, { durationMs: 800, progress: 'linear', visibleAfterMs: 300, newDatasetReadyMs: 700 });
  await record('late', {
    steps: [
      {
        kind: 'export',
        datasetId: d8.dataset_id,
        request: {
          path: '/bucket/late/',
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: 'history-late-new',
            export_new_dataset_work_path: '/bucket/late-new/',
          },
        },
      },
      { kind: 'export', request: { path: '/bucket/late-coco/', annotation_format: 'COCO' } },
    ],
    wait: { policy },
  });
}

/**
 * A sealed run (docs/sealed.md) on the real worker (src/worker.ts), with the test-only keys of
 * test/histories/sealed-test-keys, which the replay test decodes with: a chain whose second step exports the
 * dataset the first made (its dataset id is hashed during the run, the first one's by the client).
 */
async function recordSealed(): Promise<void> {
  if (only.length > 0 && !only.includes('sealed')) return;
  const keysText = await readFile(SEALED_TEST_KEYS, 'utf8');
  const stack = await startLocalStack({ server: { address: server.address, namespace: 'default' } });
  const env = stack.workerEnv({
    TEMPORAL_TASK_QUEUE: `${taskQueue}-sealed`,
    MODELARTS_SEALED: 'true',
    MODELARTS_SEALED_KEYS: keysText,
    MODELARTS_BUDGET_READS_RPS: 1000,
    MODELARTS_BUDGET_WRITES_RPS: 1000,
  });
  const { worker: sealedWorker, close } = await createWorker(workerConfigFromEnv(env), createLogger({ level: 'warn' }));
  const sealedClient = new Client({
    connection,
    dataConverter: clientDataConverter(sealedSettingsFromEnv(env)) as unknown as DataConverter,
  });
  const d = stack.sim.createDataset({ dataset_name: 'history-sealed', ...labeled });
  stack.sim.setBehavior(d.dataset_id, { durationMs: 800, progress: 'linear' });
  const running = sealedWorker.run();
  try {
    await record(
      'sealed',
      {
        steps: [
          {
            kind: 'export',
            datasetId: d.dataset_id,
            request: {
              path: '/customer-bucket/sealed/',
              export_params: {
                export_dest: 'NEW_DATASET',
                export_new_dataset_name: 'history-sealed-new',
                export_new_dataset_work_path: '/customer-bucket/sealed-new/',
              },
            },
          },
          { kind: 'export', request: { path: '/customer-bucket/sealed-coco/', annotation_format: 'COCO' } },
        ],
        wait: { policy },
      },
      undefined,
      { client: sealedClient, taskQueue: env.TEMPORAL_TASK_QUEUE! },
    );
  } finally {
    sealedWorker.shutdown();
    await running;
    await close();
    await stack.close();
  }
}

const recording = worker.runUntil(async () => {
  await recordBasics();
  await recordLifecycle();
  await recordSlowService();
  await recordSealed();
});
await Promise.all([recording, ...budgetWorkers.map((w) => w.runUntil(recording))]);
await nativeConnection.close();
await connection.close();
await sim.close();
await server.stop();
