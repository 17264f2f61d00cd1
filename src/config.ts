/**
 * Worker configuration from the environment, validated up front: every problem is reported at once, each
 * naming its variable, and nothing starts until the whole configuration is valid.
 */
import { existsSync } from 'node:fs';
import { normalizeGrpcEndpointAddress } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { withSecretFiles } from './secret-files.js';
import { workerVersionFromEnv, type WorkerVersion } from './deployment/worker-version.js';
import { ALLOW_CLEARTEXT_VARIABLE, cleartextAllowed, hostOf, isLoopbackHost } from './loopback.js';
import { modelArtsOptionsFromEnv } from './modelarts/env.js';
import type { ModelArtsClientOptions } from './modelarts/client.js';
import { tracingConfigFromEnv, type TracingConfig } from './tracing/config.js';
import { sealedSettingsFromEnv, type SealedSettings } from './sealed/config.js';

export const DEFAULT_TASK_QUEUE = 'modelarts-export';

export interface TemporalConfig {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
  taskQueue: string;
}

export interface WorkerTuning {
  maxCachedWorkflows?: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  shutdownGraceTimeMs: number;
  metricsBindAddress?: string;
  workflowBundlePath?: string;
  /** The default request budget (src/budget/classes.ts); a budget set at runtime through the API takes precedence. */
  budget: BudgetDefaults;
}

/** Requests per second for each budget class, for the whole fleet; undefined: no limit of the fleet's own. */
export interface BudgetDefaults {
  readsPerSecond?: number;
  writesPerSecond?: number;
}

/**
 * Safe defaults: ModelArts publishes no limits, but its gateway enforces per-API limits smoothed per second, so a
 * fleet starts well below what one project is likely allowed and an operator raises it (docs/request-budget.md).
 */
export const DEFAULT_BUDGET: Required<BudgetDefaults> = { readsPerSecond: 10, writesPerSecond: 2 };

export interface WorkerConfig {
  temporal: TemporalConfig;
  modelarts: Omit<ModelArtsClientOptions, 'logger'>;
  tuning: WorkerTuning;
  /** The Worker Deployment Version served (MODELARTS_DEPLOYMENT_NAME, MODELARTS_BUILD_ID); unversioned when absent. */
  deployment?: WorkerVersion;
  /** OpenTelemetry tracing (the standard OTEL_* variables); off when absent. */
  tracing?: TracingConfig;
  /** Sealed mode (MODELARTS_SEALED, MODELARTS_SEALED_KEYS); unsealed without keys when absent. */
  sealed?: SealedSettings;
}

type Env = Record<string, string | undefined>;

const positiveInt = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .positive(`${name} must be greater than 0`);

/** Requests per second (a positive number), or `unlimited` for no limit of the fleet's own. */
function budgetRate(name: string, fallback: number) {
  const message = `${name} must be a number of requests per second greater than 0, or "unlimited"`;
  return z
    .string()
    .optional()
    .transform((value, ctx): number | undefined => {
      if (value === undefined) return fallback;
      if (value.trim() === 'unlimited') return undefined;
      const n = Number(value);
      if (Number.isFinite(n) && n > 0) return n;
      ctx.addIssue({ code: 'custom', message: `${message}; got ${JSON.stringify(value)}` });
      return z.NEVER;
    });
}

const tuningSchema = z.object({
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt('WORKER_MAX_CACHED_WORKFLOWS').optional(),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt('WORKER_MAX_CONCURRENT_ACTIVITIES').default(100),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS')
    .min(2, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must be at least 2')
    .default(40),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce
    .number({ error: 'WORKER_SHUTDOWN_GRACE_SECONDS must be a number of seconds' })
    .min(0, 'WORKER_SHUTDOWN_GRACE_SECONDS must be 0 or more')
    .default(10),
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d{1,5}$/, 'WORKER_METRICS_ADDRESS must look like HOST:PORT, e.g. 127.0.0.1:9464')
    .optional(),
  // An explicitly configured bundle must exist (the worker would otherwise silently bundle the sources instead).
  WORKFLOW_BUNDLE_PATH: z
    .string()
    .min(1)
    .refine((file) => existsSync(file), { error: 'WORKFLOW_BUNDLE_PATH must name an existing file' })
    .optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1, 'TEMPORAL_TASK_QUEUE must not be empty').default(DEFAULT_TASK_QUEUE),
  MODELARTS_BUDGET_READS_RPS: budgetRate('MODELARTS_BUDGET_READS_RPS', DEFAULT_BUDGET.readsPerSecond),
  MODELARTS_BUDGET_WRITES_RPS: budgetRate('MODELARTS_BUDGET_WRITES_RPS', DEFAULT_BUDGET.writesPerSecond),
});

const emptyToUndefined = (env: Env): Env =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));

/** Read by @temporalio/envconfig as booleans, where only "true" and "1" mean true and any other value false. */
const TEMPORAL_BOOLEAN_VARIABLES = ['TEMPORAL_TLS', 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'];
/** Files @temporalio/envconfig reads; its errors name the file, so we name the variable. */
const TEMPORAL_FILE_VARIABLES = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
];

/** Temporal connection settings as the Temporal CLI and SDKs read them (TEMPORAL_ADDRESS, profiles, TLS, API key). */
export function temporalConfigFromEnv(rawEnv: Env = process.env): TemporalConfig {
  const { env, problems } = withSecretFiles(rawEnv, ['TEMPORAL_API_KEY']);
  // "TEMPORAL_TLS=yes" (or TRUE) would silently mean no TLS, and an API key would then go out unencrypted.
  for (const name of TEMPORAL_BOOLEAN_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '' && !['true', 'false', '1', '0'].includes(value))
      problems.push(`${name} must be true or false (or 1 / 0); got ${JSON.stringify(value)}`);
  }
  let connect: ReturnType<typeof loadClientConnectConfig> | undefined;
  try {
    connect = loadClientConnectConfig({
      // An empty variable means unset (compose files and .env templates leave them empty); envconfig would
      // otherwise take TEMPORAL_API_KEY="" as a key and turn TLS on.
      overrideEnvVars: Object.fromEntries(
        Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
      ),
    });
  } catch (err) {
    const message = (err as Error).message;
    const files = TEMPORAL_FILE_VARIABLES.filter((name) => env[name] && message.includes(env[name]!));
    problems.push(
      `${files.length > 0 ? files.join(', ') : 'Temporal connection settings (TEMPORAL_* variables or profile)'}: ${message}`,
    );
  }
  const address = connect?.connectionOptions.address;
  if (address !== undefined) {
    try {
      // The SDK's own check, which would otherwise fail only when the worker connects (exit 1, no variable named).
      normalizeGrpcEndpointAddress(address, 7233);
    } catch {
      const source = env.TEMPORAL_ADDRESS ? 'TEMPORAL_ADDRESS' : 'address (from the Temporal profile)';
      problems.push(
        `${source} must be HOST or HOST:PORT, e.g. temporal.example.com:7233; got ${JSON.stringify(address)}`,
      );
    }
  }
  // An API key sent without TLS to another machine is readable by anyone on the way.
  const options = connect?.connectionOptions;
  if (options?.apiKey && !options.tls && address && !isLoopbackHost(hostOf(address)) && !cleartextAllowed(env))
    problems.push(
      `TEMPORAL_API_KEY: would be sent without TLS to ${hostOf(address)}; remove TEMPORAL_TLS=false (or set it ` +
        `true), or set ${ALLOW_CLEARTEXT_VARIABLE}=true to accept it`,
    );
  const queue = env.TEMPORAL_TASK_QUEUE === undefined ? DEFAULT_TASK_QUEUE : env.TEMPORAL_TASK_QUEUE.trim();
  if (!queue) problems.push('TEMPORAL_TASK_QUEUE must not be empty');
  if (problems.length > 0 || !connect) throw new ConfigError(problems);
  return {
    connectionOptions: { ...connect.connectionOptions, address: connect.connectionOptions.address ?? 'localhost:7233' },
    namespace: connect.namespace ?? 'default',
    taskQueue: queue,
  };
}

export function workerConfigFromEnv(env: Env = process.env): WorkerConfig {
  const problems: string[] = [];
  const collect = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
      return undefined;
    }
  };
  const temporal = collect(() => temporalConfigFromEnv(env));
  const modelarts = collect(() => modelArtsOptionsFromEnv(env));
  const deployment = collect(() => workerVersionFromEnv(env));
  const tracing = collect(() => tracingConfigFromEnv(env));
  const sealed = collect(() => sealedSettingsFromEnv(env));
  const parsed = tuningSchema.safeParse(emptyToUndefined(env));
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => issue.message));
  if (problems.length > 0 || !temporal || !modelarts || !parsed.success) throw new ConfigError(problems);
  const t = parsed.data;
  return {
    temporal,
    modelarts,
    tuning: {
      maxCachedWorkflows: t.WORKER_MAX_CACHED_WORKFLOWS,
      maxConcurrentActivityTaskExecutions: t.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: t.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      shutdownGraceTimeMs: t.WORKER_SHUTDOWN_GRACE_SECONDS * 1000,
      metricsBindAddress: t.WORKER_METRICS_ADDRESS,
      workflowBundlePath: t.WORKFLOW_BUNDLE_PATH,
      budget: { readsPerSecond: t.MODELARTS_BUDGET_READS_RPS, writesPerSecond: t.MODELARTS_BUDGET_WRITES_RPS },
    },
    ...(deployment && { deployment }),
    ...(tracing && { tracing }),
    ...(sealed && { sealed }),
  };
}
