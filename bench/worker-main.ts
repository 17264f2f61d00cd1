/**
 * The bench worker process for the overhead part: `src/worker.ts`'s worker (same configuration from the
 * environment, options, activities and runtime logger) plus the baseline's no-op activities, running a workflow
 * bundle that holds our workflows and the baseline ones (WORKFLOW_BUNDLE_PATH, built by bench/overhead.ts).
 */
import { workerConfigFromEnv } from '../src/config.js';
import { runWorker } from '../src/worker.js';
import { baselineActivities } from './baseline-activities.js';

const config = workerConfigFromEnv(process.env);
if (!config.tuning.workflowBundlePath) throw new Error('WORKFLOW_BUNDLE_PATH must point at the bench workflow bundle');
// The baseline's activities on the workflows' queue (bare shape) and on the budget queues (budget shape).
const { baselineCreate, baselineRead } = baselineActivities;
await runWorker(config, undefined, baselineActivities, { writes: { baselineCreate }, reads: { baselineRead } });
