/**
 * Every environment variable the product reads, in one table: what it does, its default and where it is read.
 * docs/configuration.md is generated from it (`npm run docs:reference`), and a unit test fails when a variable
 * named in src/ is missing here, so this is the one place to document a new one.
 */
import { DEFAULT_BUDGET, DEFAULT_TASK_QUEUE } from './config.js';
import { DEFAULT_TIMEOUT_MS } from './modelarts/client.js';
import { ENV_VARIABLES, SECRET_VARIABLES } from './modelarts/env.js';
import { DEFAULT_MAX_QUEUE_SIZE, DEFAULT_SERVICE_NAME, SUPPORTED_PROTOCOL } from './tracing/config.js';

export type EnvGroup =
  | 'Temporal connection'
  | 'ModelArts'
  | 'Security'
  | 'Sealed mode'
  | 'Worker tuning'
  | 'Request budget'
  | 'Worker versioning'
  | 'Logging'
  | 'Tracing'
  | 'Simulator'
  | 'Local tools and tests';

export interface EnvVariable {
  /** The variable, then the other names it may be given by (the first set wins). */
  names: readonly string[];
  group: EnvGroup;
  /** What it does (Markdown). */
  what: string;
  /** Default, or when it is needed (Markdown); '' = no default, optional. */
  default: string;
  /** Where it is read (source files, or the library that reads it). */
  readIn: string;
  /** A secret: may instead be read from the file named by `NAME_FILE`; never logged. */
  secret?: boolean;
}

const modelArts = (setting: keyof typeof ENV_VARIABLES, what: string, needed: string): EnvVariable => ({
  names: ENV_VARIABLES[setting],
  group: 'ModelArts',
  what,
  default: needed,
  readIn: '`src/modelarts/env.ts`',
  ...(ENV_VARIABLES[setting].some((name) => SECRET_VARIABLES.includes(name)) && { secret: true }),
});

const envconfig = '`@temporalio/envconfig`, from `src/config.ts`';
const tracingConfig = '`src/tracing/config.ts`';

export const ENV_REFERENCE: readonly EnvVariable[] = [
  // Temporal: the standard variables, as the Temporal CLI and SDKs read them.
  {
    names: ['TEMPORAL_ADDRESS'],
    group: 'Temporal connection',
    what: 'Temporal frontend, `HOST:PORT`',
    default: '`localhost:7233`',
    readIn: envconfig,
  },
  {
    names: ['TEMPORAL_NAMESPACE'],
    group: 'Temporal connection',
    what: 'namespace',
    default: '`default`',
    readIn: envconfig,
  },
  {
    names: ['TEMPORAL_API_KEY'],
    group: 'Temporal connection',
    what: 'API key (Temporal Cloud); switches TLS on. An empty value counts as unset',
    default: '',
    readIn: envconfig,
    secret: true,
  },
  {
    names: ['TEMPORAL_TLS'],
    group: 'Temporal connection',
    what: '`true`/`false` (or `1`/`0`; anything else is refused)',
    default: 'on with an API key or a client certificate',
    readIn: envconfig,
  },
  {
    names: ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'],
    group: 'Temporal connection',
    what: 'mTLS client certificate: a file, or the PEM text',
    default: '',
    readIn: envconfig,
  },
  {
    names: ['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'],
    group: 'Temporal connection',
    what: 'mTLS client key: a file, or the PEM text',
    default: '',
    readIn: envconfig,
  },
  {
    names: ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'],
    group: 'Temporal connection',
    what: "CA of the server's certificate: a file, or the PEM text",
    default: 'the system CAs',
    readIn: envconfig,
  },
  {
    names: ['TEMPORAL_TLS_SERVER_NAME'],
    group: 'Temporal connection',
    what: 'server name checked in its certificate',
    default: 'the host of the address',
    readIn: envconfig,
  },
  {
    names: ['TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'],
    group: 'Temporal connection',
    what: "`true` skips checking the server certificate's host name",
    default: '`false`',
    readIn: envconfig,
  },
  {
    names: ['TEMPORAL_PROFILE'],
    group: 'Temporal connection',
    what: 'profile of the Temporal CLI configuration file to use',
    default: '`default`',
    readIn: envconfig,
  },
  {
    names: ['TEMPORAL_CONFIG_FILE'],
    group: 'Temporal connection',
    what: 'the Temporal CLI configuration file (profiles)',
    default: "the Temporal CLI's own location",
    readIn: envconfig,
  },
  {
    names: ['TEMPORAL_TASK_QUEUE'],
    group: 'Temporal connection',
    what: 'task queue of the workflows; the budgeted activity queues are `<queue>-modelarts-reads` and `-writes`',
    default: `\`${DEFAULT_TASK_QUEUE}\``,
    readIn: '`src/config.ts`',
  },
  // ModelArts: an endpoint, a project id and one way to authenticate.
  modelArts(
    'endpoint',
    'ModelArts base URL, without `/v2/{project_id}`',
    'always, e.g. https://modelarts.eu-de.otc.t-systems.com',
  ),
  modelArts('projectId', 'project id (32 hex characters)', 'always'),
  modelArts('accessKey', 'access key (AK)', 'AK/SK signing'),
  modelArts('secretKey', 'secret key (SK)', 'AK/SK signing'),
  modelArts('securityToken', 'security token of temporary keys', 'AK/SK signing with temporary keys (optional)'),
  modelArts('iamEndpoint', 'IAM endpoint', 'IAM password token, e.g. https://iam.eu-de.otc.t-systems.com/v3'),
  modelArts('username', 'IAM user', 'IAM password token'),
  modelArts('password', "IAM user's password", 'IAM password token'),
  modelArts('domainName', 'account (domain) name', 'IAM password token'),
  modelArts('projectName', 'project name, the token scope (e.g. `eu-de`)', 'IAM password token'),
  modelArts('authToken', 'an IAM token you already have', 'a ready IAM token'),
  modelArts('timeoutMs', 'per-request timeout in ms (at most 30000)', `\`${DEFAULT_TIMEOUT_MS}\``),
  // Security switches.
  {
    names: ['NAME_FILE'],
    group: 'Security',
    what:
      'for every secret variable `NAME` (marked 🔑): read its value from this file instead, as Docker and Kubernetes ' +
      'mount secrets; setting both is refused',
    default: '',
    readIn: '`src/secret-files.ts`',
  },
  {
    names: ['MODELARTS_ALLOW_CLEARTEXT'],
    group: 'Security',
    what:
      '`true` allows `http://` to a ModelArts or IAM host that is not this machine, and an API key with ' +
      '`TEMPORAL_TLS=false` to a remote Temporal; refused at start otherwise',
    default: '`false`',
    readIn: '`src/loopback.ts`',
  },
  // Sealed mode (docs/sealed.md).
  {
    names: ['MODELARTS_SEALED'],
    group: 'Sealed mode',
    what:
      '`true` seals what this process writes: payloads, memo, summaries and details, failure messages and stacks ' +
      "(AES-256-GCM, the key of the run's tenant). Set it on workers, the CLI and library clients alike; " +
      'needs `MODELARTS_SEALED_KEYS`',
    default: '`false`',
    readIn: '`src/sealed/config.ts`',
  },
  {
    names: ['MODELARTS_SEALED_KEYS', 'MODELARTS_SEALED_KEYS_FILE'],
    group: 'Sealed mode',
    what:
      'per tenant, the current key id and the keys by id (32 random bytes, base64): ' +
      '`{"default": {"current": "k1", "keys": {"k1": "…"}}}`. A file given by `_FILE` must be mode 0600, and is ' +
      're-read when it changes (key rotation without a restart; a bad new file is logged and the last good keys ' +
      'stay); keys in the variable itself are fixed. Also read unsealed (runs sealed earlier still decode) and by ' +
      '`codec-server`',
    default: 'needed with `MODELARTS_SEALED=true`',
    readIn: '`src/sealed/config.ts`, `src/sealed/key-file.ts`',
    secret: true,
  },
  {
    names: ['MODELARTS_CODEC_TOKENS', 'MODELARTS_CODEC_TOKENS_FILE'],
    group: 'Sealed mode',
    what:
      '`codec-server`: a bearer token per tenant (at least 24 characters), `{"team-a": "…"}`; a caller decodes only ' +
      "its own tenant's payloads. A file given by `_FILE` must be mode 0600",
    default: 'needed by `codec-server`',
    readIn: '`src/sealed/config.ts`',
    secret: true,
  },
  // Worker tuning.
  {
    names: ['WORKER_MAX_CACHED_WORKFLOWS'],
    group: 'Worker tuning',
    what: 'workflows kept in memory; cap it (with `NODE_OPTIONS=--max-old-space-size`) for thousands of waiting runs',
    default: "the SDK's, from the machine's memory",
    readIn: '`src/config.ts`',
  },
  {
    names: ['WORKER_MAX_CONCURRENT_ACTIVITIES'],
    group: 'Worker tuning',
    what: 'activities run at once per worker',
    default: '`100`',
    readIn: '`src/config.ts`',
  },
  {
    names: ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'],
    group: 'Worker tuning',
    what: 'workflow tasks run at once per worker (at least 2)',
    default: '`40`',
    readIn: '`src/config.ts`',
  },
  {
    names: ['WORKER_SHUTDOWN_GRACE_SECONDS'],
    group: 'Worker tuning',
    what: 'how long SIGINT/SIGTERM lets running activities finish',
    default: '`10`',
    readIn: '`src/config.ts`',
  },
  {
    names: ['WORKER_METRICS_ADDRESS'],
    group: 'Worker tuning',
    what: 'Prometheus endpoint, `HOST:PORT` (e.g. `127.0.0.1:9464`)',
    default: 'off',
    readIn: '`src/config.ts`',
  },
  {
    names: ['WORKFLOW_BUNDLE_PATH'],
    group: 'Worker tuning',
    what: 'workflow bundle to load (must exist)',
    default: '`dist/workflow-bundle.js` (versioned workers: `dist/workflow-bundle-versioned.js`)',
    readIn: '`src/config.ts`',
  },
  // Request budget.
  {
    names: ['MODELARTS_BUDGET_READS_RPS'],
    group: 'Request budget',
    what: 'fleet-wide status reads per second (`unlimited` for none); `budget set` overrides it at runtime',
    default: `\`${DEFAULT_BUDGET.readsPerSecond}\``,
    readIn: '`src/config.ts`',
  },
  {
    names: ['MODELARTS_BUDGET_WRITES_RPS'],
    group: 'Request budget',
    what: 'fleet-wide creates, starts, stops and lookups per second, per API (`unlimited` for none)',
    default: `\`${DEFAULT_BUDGET.writesPerSecond}\``,
    readIn: '`src/config.ts`',
  },
  // Worker versioning.
  {
    names: ['MODELARTS_DEPLOYMENT_NAME'],
    group: 'Worker versioning',
    what: 'makes the worker a versioned one of this Worker Deployment; `deploy` commands default to it',
    default: 'unversioned',
    readIn: '`src/deployment/worker-version.ts`, `src/cli/deploy.ts`',
  },
  {
    names: ['MODELARTS_BUILD_ID'],
    group: 'Worker versioning',
    what: 'build id the versioned worker serves (needs `MODELARTS_DEPLOYMENT_NAME`)',
    default: '`<package version>-<commit>`',
    readIn: '`src/deployment/worker-version.ts`',
  },
  {
    names: ['MODELARTS_BUILD_COMMIT'],
    group: 'Worker versioning',
    what: 'the commit `npm run build` records in `dist/build-info.json` (for builds without `.git`)',
    default: '`git rev-parse`',
    readIn: '`src/scripts/build-workflow-bundle.ts`',
  },
  // Logging.
  {
    names: ['LOG_LEVEL'],
    group: 'Logging',
    what: 'pino level: `trace`, `debug`, `info`, `warn`, `error`',
    default: '`info` (`dev`: `warn`)',
    readIn: '`src/logger.ts`, `src/cli/dev.ts`',
  },
  {
    names: ['LOG_FORMAT'],
    group: 'Logging',
    what: '`json` or `pretty`',
    default: '`pretty` on a terminal, else `json`',
    readIn: '`src/logger.ts`',
  },
  // Simulator.
  {
    names: ['MODELARTS_SIMULATOR_ADMIN_TOKEN'],
    group: 'Simulator',
    what:
      'when set, the admin API (`/_sim/`) serves only requests carrying `Authorization: Bearer <token>`; required ' +
      'when the simulator listens on an address other than loopback',
    default: 'only requests addressed to this machine',
    readIn: '`src/cli/simulator.ts`, `src/simulator/admin-gate.ts`',
  },
  // Tracing: the standard OpenTelemetry variables (docs/tracing.md); every one is checked at start.
  {
    names: ['OTEL_EXPORTER_OTLP_ENDPOINT'],
    group: 'Tracing',
    what: 'OTLP/HTTP base URL (`http://` or `https://`); spans go to `<URL>/v1/traces`. Setting it turns tracing on',
    default: 'tracing off',
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
    group: 'Tracing',
    what: 'the full URL spans are POSTed to (used as is); also turns tracing on',
    default: '`OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`',
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'],
    group: 'Tracing',
    what: `only \`${SUPPORTED_PROTOCOL}\` (what the exporter sends); \`grpc\` and \`http/protobuf\` are refused`,
    default: `\`${SUPPORTED_PROTOCOL}\``,
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS'],
    group: 'Tracing',
    what: 'request headers for the backend, `key=value,key2=value2` (values percent-encoded); never logged',
    default: '',
    readIn: tracingConfig,
    secret: true,
  },
  {
    names: ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT'],
    group: 'Tracing',
    what: 'milliseconds one export may take',
    default: '10000',
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_SERVICE_NAME'],
    group: 'Tracing',
    what: 'the service name of every span (must not be empty)',
    default: `\`service.name\` of \`OTEL_RESOURCE_ATTRIBUTES\`, else \`${DEFAULT_SERVICE_NAME}\``,
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_RESOURCE_ATTRIBUTES'],
    group: 'Tracing',
    what: 'more resource attributes, `key=value,...` (e.g. `deployment.environment=prod`)',
    default: '',
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_TRACES_SAMPLER'],
    group: 'Tracing',
    what: "`parentbased_always_on` or `always_on`; ratio samplers are refused (a sampled-out step would orphan its activities' spans)",
    default: '`parentbased_always_on`',
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_TRACES_EXPORTER'],
    group: 'Tracing',
    what: '`otlp`, or `none` to turn tracing off with an endpoint set',
    default: '`otlp`',
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_SDK_DISABLED'],
    group: 'Tracing',
    what: '`true` turns tracing off (`true`/`false`)',
    default: '`false`',
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_BSP_SCHEDULE_DELAY'],
    group: 'Tracing',
    what: 'milliseconds between two batch exports',
    default: '5000',
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_BSP_EXPORT_TIMEOUT'],
    group: 'Tracing',
    what: 'milliseconds a batch export may take',
    default: '30000',
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_BSP_MAX_QUEUE_SIZE'],
    group: 'Tracing',
    what: 'spans waiting for export; more are dropped and counted in `modelarts_spans_dropped`',
    default: String(DEFAULT_MAX_QUEUE_SIZE),
    readIn: tracingConfig,
  },
  {
    names: ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE'],
    group: 'Tracing',
    what: 'spans per export (at most `OTEL_BSP_MAX_QUEUE_SIZE`)',
    default: '512',
    readIn: tracingConfig,
  },
  // Local tools and tests.
  {
    names: ['TEMPORAL_CLI_PATH'],
    group: 'Local tools and tests',
    what: 'the Temporal CLI binary to use for `dev`, tests and benchmarks (first place the resolver looks)',
    default: '`temporal` on `PATH`, then `.tools/`',
    readIn: '`src/devserver/resolve-cli.ts`',
  },
  {
    names: ['MODELARTS_NO_APT'],
    group: 'Local tools and tests',
    what: '`1` or `true`: the test commands print the `apt-get` command for missing tools instead of running it',
    default: 'install when run as root',
    readIn: '`src/scripts/ensure-test-tools.ts`',
  },
  {
    names: ['MODELARTS_STACK_CACHE'],
    group: 'Local tools and tests',
    what: 'where `stack up` keeps the Go-built Temporal server, SQL tool and UI server',
    default: '`~/.cache/modelarts-temporal`',
    readIn: '`src/stack/binaries.ts`',
  },
];

export const ENV_GROUP_NOTES: Record<EnvGroup, string> = {
  'Temporal connection':
    'The standard variables and profiles, as [`@temporalio/envconfig`](https://www.npmjs.com/package/@temporalio/envconfig) ' +
    'reads them (like the Temporal CLI and the other SDKs). Leave unused ones out: an empty `TEMPORAL_API_KEY=` ' +
    'is ignored here, but an empty certificate path is a file it tries to open.',
  ModelArts:
    'An endpoint, a project id and one way to authenticate: AK/SK signing, an IAM password token (cached, renewed ' +
    'before `expires_at` and once on a 401), or a ready token. Each setting is read from the first of its names that ' +
    'is set: `MODELARTS_*` wins over the OpenStack `OS_*` names of an OTC `openrc` and the Huawei Cloud SDK names. ' +
    'AK/SK requests are signed with `SDK-HMAC-SHA256` (verified against the three published test vectors); IAM ' +
    'tokens are refreshed once on a 401 (`ModelArts.4127`, `ModelArts.4201`, `APIG.0301`), with concurrent callers ' +
    'sharing one token request.',
  Security:
    'Configured secrets are blanked out by value in every error built from a ModelArts or IAM answer, and logs ' +
    'redact tokens, keys, passwords and signatures.',
  'Sealed mode':
    'Off by default. One setting turns it on for workers, CLI, library and schedules; runs started unsealed ' +
    'finish on sealed workers and the reverse waits, naming the key id, until a worker with the key takes it. ' +
    "A run's tenant is the `TENANT~` prefix of its workflow id. See [sealed mode](sealed.md).",
  'Worker tuning':
    '5,000 waiting exports peaked at 760 MiB with `WORKER_MAX_CACHED_WORKFLOWS=1000 ' +
    'NODE_OPTIONS=--max-old-space-size=512`, and at 1,101 MiB without the heap limit, because V8 sizes its heap from ' +
    "the machine's memory and collects lazily during bursts of replays (see [performance](performance.md#scale)).",
  'Request budget':
    'The default limits of the whole fleet; see [the request budget](request-budget.md) for sizing them.',
  'Worker versioning': 'Off unless `MODELARTS_DEPLOYMENT_NAME` is set; see [upgrades](upgrades.md).',
  Logging: 'The worker logs with pino; tokens, keys, passwords and signatures are redacted.',
  Tracing:
    'OpenTelemetry traces over OTLP/HTTP, off unless an endpoint is set; read by the worker and by every CLI ' +
    'command and library client that starts runs. A wrong value stops the process at start naming the variable ' +
    '(the worker exits 2). See [tracing](tracing.md).',
  Simulator:
    'The local ModelArts (`modelarts-export simulator`, `dev`); see [operations](operations.md#the-simulator).',
  'Local tools and tests': 'Read by `dev`, `stack`, the test commands and the benchmarks.',
};
