/**
 * The bench worker process for the overhead part: the same worker as `src/worker.ts` (same configuration from the
 * environment, same options, same activities and runtime logger) plus the baseline's no-op activities, running a
 * workflow bundle that holds our workflows and the baseline ones (WORKFLOW_BUNDLE_PATH, built by bench/overhead.ts).
 *
 * It exists only because `createWorker` takes no extra activities; see the bench README notes.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities/index.js';
import { workerConfigFromEnv } from '../src/config.js';
import { createLogger, installRuntimeLogger } from '../src/logger.js';
import { ModelArtsClient } from '../src/modelarts/client.js';
import { baselineActivities } from './baseline-activities.js';

const config = workerConfigFromEnv(process.env);
const bundle = config.tuning.workflowBundlePath;
if (!bundle) throw new Error('WORKFLOW_BUNDLE_PATH must point at the bench workflow bundle');
const logger = createLogger();
installRuntimeLogger(logger, config.tuning.metricsBindAddress);
const client = new ModelArtsClient({ ...config.modelarts, logger });
const connection = await NativeConnection.connect(config.temporal.connectionOptions);
const worker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  activities: { ...createActivities(client), ...baselineActivities },
  workflowBundle: { codePath: bundle },
  maxCachedWorkflows: config.tuning.maxCachedWorkflows,
  maxConcurrentActivityTaskExecutions: config.tuning.maxConcurrentActivityTaskExecutions,
  maxConcurrentWorkflowTaskExecutions: config.tuning.maxConcurrentWorkflowTaskExecutions,
  shutdownGraceTime: config.tuning.shutdownGraceTimeMs,
});
logger.info({ taskQueue: config.temporal.taskQueue }, 'worker started');
try {
  await worker.run();
} finally {
  await connection.close();
}
