/**
 * The worker: hosts the workflows (from the prebuilt bundle when there is one) and the ModelArts activities.
 * `modelarts-export worker` runs it with configuration from the environment; `runWorker` is the same from code.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from './activities/index.js';
import { ConfigError } from './config-error.js';
import { workerConfigFromEnv, type WorkerConfig } from './config.js';
import { createLogger, installRuntimeLogger } from './logger.js';
import { ModelArtsClient } from './modelarts/client.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the workflow code comes from: the prebuilt bundle in production, the sources otherwise. */
function workflowSource(config: WorkerConfig): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = config.tuning.workflowBundlePath ?? path.join(here, 'workflow-bundle.js');
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  const ext = path.extname(fileURLToPath(import.meta.url));
  return { workflowsPath: path.join(here, 'workflows', `index${ext}`) };
}

export interface RunningWorker {
  worker: Worker;
  /** Closes the Temporal connection; call after `worker.run()` has returned. */
  close: () => Promise<void>;
}

/** Activities hosted beside the ModelArts ones, e.g. for your own workflows in a bundle given by WORKFLOW_BUNDLE_PATH. */
export type ExtraActivities = NonNullable<WorkerOptions['activities']>;

export async function createWorker(
  config: WorkerConfig,
  logger: Logger,
  extraActivities: ExtraActivities = {},
): Promise<RunningWorker> {
  installRuntimeLogger(logger, config.tuning.metricsBindAddress);
  const client = new ModelArtsClient({ ...config.modelarts, logger });
  const connection = await NativeConnection.connect(config.temporal.connectionOptions);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: { ...createActivities(client), ...extraActivities },
    ...workflowSource(config),
    maxCachedWorkflows: config.tuning.maxCachedWorkflows,
    maxConcurrentActivityTaskExecutions: config.tuning.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: config.tuning.maxConcurrentWorkflowTaskExecutions,
    shutdownGraceTime: config.tuning.shutdownGraceTimeMs,
  });
  return { worker, close: () => connection.close() };
}

/** Runs until SIGINT/SIGTERM (the SDK's default shutdown signals), then drains within the grace time. */
export async function runWorker(
  config: WorkerConfig,
  logger: Logger = createLogger(),
  extraActivities: ExtraActivities = {},
): Promise<void> {
  const { worker, close } = await createWorker(config, logger, extraActivities);
  logger.info(
    {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
      address: config.temporal.connectionOptions.address,
    },
    'worker started',
  );
  try {
    await worker.run();
  } finally {
    await close();
  }
  logger.info('worker stopped');
}

/** Entry for `modelarts-export worker` and `node dist/worker.js`: exits 2 on bad configuration. */
export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  const logger = createLogger();
  let config: WorkerConfig;
  try {
    config = workerConfigFromEnv(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  await runWorker(config, logger);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((err: unknown) => {
    process.stderr.write(`worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
