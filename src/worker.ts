/**
 * The worker: hosts the workflows (from the prebuilt bundle when there is one) and the ModelArts activities.
 * `modelarts-export worker` runs it with configuration from the environment; `runWorker` is the same from code.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { Client, type DataConverter } from '@temporalio/client';
import { createActivities } from './activities/index.js';
import { runLocalActivities } from './activities/placeholders.js';
import { searchHashActivities, withTaskIdSearchValues } from './activities/search-hash.js';
import { scheduleHistoryActivities } from './activities/schedule-history.js';
import { ConfigError } from './config-error.js';
import { workerConfigFromEnv, type WorkerConfig } from './config.js';
import { deploymentOptions } from './deployment/worker-version.js';
import { createLogger, installRuntimeLogger } from './logger.js';
import { ModelArtsClient } from './modelarts/client.js';
import { budgetedActivities } from './activities/budgeted.js';
import { BUDGET_CLASSES, budgetQueueName, type BudgetedClass } from './budget/classes.js';
import { ACTIVITY_BUDGET } from './contract/activity-options.js';
import { WorkerGroup } from './worker-group.js';
import { publishBudgetGauges, publishWorkerStartTime } from './budget/gauges.js';
import { tracedActivityInterceptors } from './tracing/activity.js';
import { currentTracing, startTracing, type Tracing } from './tracing/provider.js';
import { tracingSinks } from './tracing/sink.js';
import { clientDataConverter, workerDataConverter } from './sealed/data-converter.js';
import type { SealedKeyError } from './sealed/errors.js';
import { KeyFileSource } from './sealed/key-file.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the workflow code comes from: the prebuilt bundle in production, the sources otherwise. */
function workflowSource(
  config: WorkerConfig,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> & { workflowInterceptorModules?: string[] } {
  // A versioned worker loads the entry that declares each workflow's versioning behaviour (workflows/versioned.ts);
  // a sealed one, the bundle whose failure converter seals failure messages (src/sealed/failure-converter.ts).
  const versioned = config.deployment !== undefined;
  const sealed = config.sealed?.sealed ? '-sealed' : '';
  const bundle =
    config.tuning.workflowBundlePath ??
    path.join(here, `${versioned ? 'workflow-bundle-versioned' : 'workflow-bundle'}${sealed}.js`);
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  const ext = path.extname(fileURLToPath(import.meta.url));
  return {
    workflowsPath: path.join(here, 'workflows', `${versioned ? 'versioned' : 'index'}${ext}`),
    // The prebuilt bundles include it (src/scripts/build-workflow-bundle.ts): one workflow code, traced or not.
    workflowInterceptorModules: [path.join(here, 'workflows', `tracing${ext}`)],
  };
}

/** Workflow code and its interceptor modules: inside the bundle, or given beside the sources. */
function workflowCode(config: WorkerConfig, tracing: Tracing | undefined): Partial<WorkerOptions> {
  const { workflowInterceptorModules, ...source } = workflowSource(config);
  return {
    ...source,
    ...(workflowInterceptorModules && {
      interceptors: { ...tracingInterceptors(tracing), workflowModules: workflowInterceptorModules },
    }),
  };
}

/** The activity interceptors of a traced worker (none when tracing is off). */
function tracingInterceptors(tracing: Tracing | undefined): NonNullable<WorkerOptions['interceptors']> {
  return tracing ? { activity: tracedActivityInterceptors } : {};
}

/** Starts the process's tracer provider when tracing is configured; dropped spans become a worker metric. */
function startWorkerTracing(config: WorkerConfig, logger: Logger): Tracing | undefined {
  if (!config.tracing) return undefined;
  const dropped = Runtime.instance().metricMeter.createCounter(
    'modelarts_spans_dropped',
    'spans',
    'Trace spans lost: the trace backend refused or was unreachable, or the export queue was full',
  );
  dropped.add(0); // the series exists from the start, so a dashboard shows 0 rather than "no data"
  return startTracing(
    config.tracing,
    {
      warn: (message) => logger.warn({ endpoint: config.tracing?.url }, message),
      info: (message) => logger.info(message),
      onDropped: (count) => dropped.add(count),
    },
    { sealed: config.sealed?.sealed === true },
  );
}

/**
 * A sealed payload this worker cannot read or write (no key, tampered, or a sealed payload on an unsealed worker)
 * fails its task with a message naming the key id and run; the metric lets an alert see it before anyone reads logs.
 */
function countKeyErrors(logger: Logger): (error: SealedKeyError) => void {
  const counter = Runtime.instance().metricMeter.createCounter(
    'modelarts_sealed_key_errors',
    'errors',
    'Sealed payloads a worker could not read or write: missing key, tampered payload, or an unsealed worker',
  );
  counter.add(0);
  return (error) => {
    counter.add(1, { tenant: error.tenant, problem: error.problem });
    logger.warn({ tenant: error.tenant, keyId: error.keyId, workflowId: error.workflowId }, error.message);
  };
}

export interface RunningWorker {
  /** The workflows' Worker and one per budgeted ModelArts activity queue, run and stopped together. */
  worker: WorkerGroup;
  /** Closes the Temporal connection; call after `worker.run()` has returned. */
  close: () => Promise<void>;
}

/** Activities hosted beside the ModelArts ones, e.g. for your own workflows in a bundle given by WORKFLOW_BUNDLE_PATH. */
export type ExtraActivities = NonNullable<WorkerOptions['activities']>;
/**
 * Activities of yours that call ModelArts, hosted on a budget class's queue so the fleet's request budget counts
 * them (call them with `taskQueue: budgetQueueName(workflowInfo().taskQueue, budgetClass)`).
 */
export type BudgetedExtraActivities = Partial<Record<BudgetedClass, ExtraActivities>>;

/** Options every Worker of the process shares (the workflows' one and the budgeted activity ones). */
function sharedWorkerOptions(
  config: WorkerConfig,
  connection: NativeConnection,
  tracing: Tracing | undefined,
  onKeyError: (error: SealedKeyError) => void,
) {
  return {
    connection,
    // Sealed mode's codec (and failure converter); unsealed, the codec still names the key of a sealed payload.
    dataConverter: workerDataConverter(config.sealed ?? { sealed: false }, onKeyError),
    interceptors: tracingInterceptors(tracing),
    // Every worker registers the workflow spans' sink: a no-op when tracing is off.
    sinks: tracingSinks(tracing),
    namespace: config.temporal.namespace,
    maxConcurrentActivityTaskExecutions: config.tuning.maxConcurrentActivityTaskExecutions,
    shutdownGraceTime: config.tuning.shutdownGraceTimeMs,
    // Every Worker of the process serves the same deployment version (or none), budget queues included.
    ...deploymentOptions(config.deployment),
  } satisfies Partial<WorkerOptions>;
}

/** The ModelArts activities of one budget class (the table in src/contract/activity-options.ts). */
function activitiesOf<A extends Record<string, unknown>>(activities: A, budgetClass: BudgetedClass): Partial<A> {
  return Object.fromEntries(
    Object.entries(activities).filter(
      ([name]) => ACTIVITY_BUDGET[name as keyof typeof ACTIVITY_BUDGET] === budgetClass,
    ),
  ) as Partial<A>;
}

function defaultRate(config: WorkerConfig, budgetClass: BudgetedClass): number | undefined {
  const { budget } = config.tuning;
  return budgetClass === 'reads' ? budget.readsPerSecond : budget.writesPerSecond;
}

export async function createWorker(
  config: WorkerConfig,
  logger: Logger,
  extraActivities: ExtraActivities = {},
  budgetedExtras: BudgetedExtraActivities = {},
): Promise<RunningWorker> {
  installRuntimeLogger(logger, config.tuning.metricsBindAddress, { sealed: config.sealed?.sealed === true });
  // A keys file is re-read when it changes (key rotation without a restart): its news goes to the worker's log.
  if (config.sealed?.keys instanceof KeyFileSource)
    config.sealed.keys.log = { info: (m) => logger.info(m), warn: (m) => logger.warn(m) };
  const tracing = startWorkerTracing(config, logger);
  const client = new ModelArtsClient({ ...config.modelarts, logger });
  const connection = await NativeConnection.connect(config.temporal.connectionOptions);
  const activities = budgetedActivities(withTaskIdSearchValues(createActivities(client), config.sealed?.keys), logger);
  const common = sharedWorkerOptions(config, connection, tracing, countKeyErrors(logger));
  // The workflows' queue hosts the workflows and any extra activities; each budget class gets its own queue.
  const main = await Worker.create({
    ...common,
    taskQueue: config.temporal.taskQueue,
    // Steps started before the budget existed keep calling ModelArts from this queue until they end. The duration
    // prior of schedule-started runs is not a ModelArts call: it reads Temporal, through this worker's connection.
    activities: {
      ...activities,
      ...scheduleHistoryActivities(
        new Client({
          connection,
          namespace: config.temporal.namespace,
          // It reads earlier runs' results, sealed or not (src/sealed/data-converter.ts).
          dataConverter: clientDataConverter(config.sealed ?? { sealed: false }) as unknown as DataConverter,
        }),
      ),
      // The pipeline's local activities run where its workflow tasks run.
      ...runLocalActivities(),
      // Sealed runs' search attribute values, hashed with the tenant's key (src/sealed/search-hash.ts).
      ...searchHashActivities(config.sealed?.keys),
      ...extraActivities,
    },
    ...workflowCode(config, tracing),
    maxCachedWorkflows: config.tuning.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: config.tuning.maxConcurrentWorkflowTaskExecutions,
  });
  const budgeted: Worker[] = [];
  for (const budgetClass of BUDGET_CLASSES) {
    budgeted.push(
      await Worker.create({
        ...common,
        taskQueue: budgetQueueName(config.temporal.taskQueue, budgetClass),
        activities: { ...activitiesOf(activities, budgetClass), ...budgetedExtras[budgetClass] },
        // The fleet's default budget; one set through the API (`modelarts-export budget set`) takes precedence.
        maxTaskQueueActivitiesPerSecond: defaultRate(config, budgetClass),
      }),
    );
  }
  const worker = new WorkerGroup([main, ...budgeted]);
  if (config.tuning.metricsBindAddress) publishWorkerStartTime();
  const stopGauges = config.tuning.metricsBindAddress
    ? publishBudgetGauges(
        { connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue },
        logger,
      )
    : () => undefined;
  return {
    worker,
    close: async () => {
      stopGauges();
      await connection.close();
      // Spans of the last activities and workflow tasks leave before the process does.
      await tracing?.flush().catch(() => undefined);
    },
  };
}

/** Runs until SIGINT/SIGTERM (the SDK's default shutdown signals), then drains within the grace time. */
export async function runWorker(
  config: WorkerConfig,
  logger: Logger = createLogger(),
  extraActivities: ExtraActivities = {},
  budgetedExtras: BudgetedExtraActivities = {},
): Promise<void> {
  const { worker, close } = await createWorker(config, logger, extraActivities, budgetedExtras);
  logger.info(
    {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
      address: config.temporal.connectionOptions.address,
      deployment: config.deployment ?? null,
    },
    'worker started',
  );
  try {
    await worker.run();
  } finally {
    await close();
    await currentTracing()?.shutdown();
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
