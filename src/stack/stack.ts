/**
 * The production topology of docker-compose.yml, run natively on this machine: PostgreSQL (Debian's), the schema
 * job (deploy/setup-postgres.sh), the Temporal server, the namespace job (deploy/create-namespace.sh), the Web UI,
 * the simulator and N workers. Versions and environments come from docker-compose.yml itself.
 *
 * Where native differs from compose, and why: containers have a network of their own, so here every process binds
 * 127.0.0.1 on ports taken from one base port; the deploy files are read from the checkout instead of mounts; the
 * schema comes from the server's Go module instead of the admin-tools image; and the UI gets `host: 127.0.0.1`
 * (the image binds every interface).
 *
 * With MODELARTS_SEALED=true in its environment the stack runs sealed (docs/sealed.md): the workers seal, a codec
 * server runs beside the UI, and the UI is configured with it (as compose's `sealed` profile). Without keys of the
 * caller's own (MODELARTS_SEALED_KEYS and MODELARTS_CODEC_TOKENS, or their _FILE twins), throwaway demo ones are made
 * once in the stack's folder (0600).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { projectRoot, resolveTemporalCli } from '../devserver/resolve-cli.js';
import { KEYS_VARIABLE, TOKENS_VARIABLE } from '../sealed/config.js';
import { ensureDemoSealedFiles } from '../sealed/demo-files.js';
import { DEMO_CREDENTIALS, DEMO_PROJECT_ID } from '../simulator/index.js';
import { ensureJaeger, ensureStackBinaries, ToolMissingError, type StackBinaries } from './binaries.js';
import { ComposeFile } from './compose-file.js';
import { asRoot, claimClusterDir, clusterDirProblem, clusterOwner, type ClusterHome } from './cluster-dir.js';
import { PostgresCluster } from './postgres.js';
import { privateDir, writePrivateFile } from './private-files.js';
import { stackRolePassword } from './role-password.js';
import { isAlive, startDetached, stopPid, waitUntil, type ProcessSpec } from './processes.js';
import { jaegerConfig, prometheusConfig, writeWorkerTargets } from './observability.js';

const run = promisify(execFile);

export const DEFAULT_STACK_DIR = path.join(projectRoot, '.data', 'stack');
export const DEFAULT_BASE_PORT = 7400;
/** The server stores membership ports in a PostgreSQL smallint: every port of the stack must stay under 32768. */
export const MAX_BASE_PORT = 32767 - 99;

/** Every port of the stack, from one base so that two stacks (or a dev server) never collide. */
export function stackPorts(base: number) {
  return {
    frontend: base,
    frontendHttp: base + 1,
    internalFrontend: base + 2,
    history: base + 3,
    matching: base + 4,
    worker: base + 5,
    frontendMembership: base + 10,
    internalFrontendMembership: base + 11,
    historyMembership: base + 12,
    matchingMembership: base + 13,
    workerMembership: base + 14,
    postgres: base + 32,
    jaegerOtlpHttp: base + 40,
    jaegerQuery: base + 41,
    jaegerQueryGrpc: base + 42,
    jaegerMetrics: base + 43,
    prometheus: base + 44,
    exporter: base + 45,
    serverMetrics: base + 46,
    /** Worker metrics: base + 47 + slot, slot 1 to 32 (a slot is reused once its worker is gone). */
    workerMetricsBase: base + 47,
    ui: base + 80,
    /** Sealed mode's codec server (the UI's codec endpoint). */
    codec: base + 81,
    simulator: base + 90,
  };
}
export type StackPorts = ReturnType<typeof stackPorts>;

export interface StackOptions {
  dir?: string;
  basePort?: number;
  workers?: number;
  /** Extra environment for the workers (e.g. a test's polling settings). */
  workerEnv?: Record<string, string>;
  log?: (message: string) => void;
}

/** The file, in the stack's folder, holding the random password of Temporal's PostgreSQL role (0600). */
export const PASSWORD_FILE = 'postgres-password';

/** The service name the stack's workers report their spans under (OTEL_SERVICE_NAME), for Jaeger's query API. */
export const TRACE_SERVICE_NAME = 'modelarts-worker';
const MAX_WORKERS = 32;

/** What `stack down` and `stack status` need from another process: written to <dir>/stack.json. */
export interface StackState {
  basePort: number;
  namespace: string;
  postgresDir: string;
  /** The random id in the cluster folder's marker file: `stack down` deletes only a folder that holds it. */
  postgresMarker?: string;
  pids: {
    server?: number;
    ui?: number;
    simulator?: number;
    jaeger?: number;
    prometheus?: number;
    exporter?: number;
    codec?: number;
    workers: number[];
  };
  /** Each live worker's metrics port, by PID (what Prometheus scrapes). */
  workerMetrics?: Record<string, number>;
  /** Workers ever started: names each new worker's log (worker-N.log), also after a kill. */
  workersStarted: number;
}

type Log = (message: string) => void;

export class NativeStack {
  readonly ports: StackPorts;
  readonly compose = new ComposeFile();
  private readonly vars: Record<string, string | undefined>;
  /** Sealed mode's settings for the workers and the codec server; empty when the stack is not sealed. */
  private sealedEnv: Record<string, string> = {};

  private constructor(
    readonly dir: string,
    readonly state: StackState,
    private readonly binaries: StackBinaries & { jaeger: string },
    private readonly temporalCli: string,
    readonly postgres: PostgresCluster,
    private readonly workerEnvExtra: Record<string, string>,
    private readonly log: Log,
    rolePassword: string,
  ) {
    this.ports = stackPorts(state.basePort);
    this.vars = stackVars(rolePassword);
  }

  get address(): string {
    return `127.0.0.1:${this.ports.frontend}`;
  }
  get namespace(): string {
    return this.state.namespace;
  }
  get uiUrl(): string {
    return `http://127.0.0.1:${this.ports.ui}`;
  }
  get simulatorUrl(): string {
    return `http://127.0.0.1:${this.ports.simulator}`;
  }
  /** Jaeger's query API (`/api/services`, `/api/traces?service=...`, `/api/traces/{id}`); this build has no UI. */
  get jaegerUrl(): string {
    return `http://127.0.0.1:${this.ports.jaegerQuery}`;
  }
  /** Where the workers send spans (OTEL_EXPORTER_OTLP_ENDPOINT, OTLP/HTTP). */
  get otlpEndpoint(): string {
    return `http://127.0.0.1:${this.ports.jaegerOtlpHttp}`;
  }
  /** The codec server (sealed mode only). */
  get codecUrl(): string | undefined {
    return this.state.pids.codec ? `http://127.0.0.1:${this.ports.codec}` : undefined;
  }
  get prometheusUrl(): string {
    return `http://127.0.0.1:${this.ports.prometheus}`;
  }
  /** The exporter's metrics (`modelarts-export exporter`). */
  get exporterUrl(): string | undefined {
    return this.state.pids.exporter ? `http://127.0.0.1:${this.ports.exporter}/metrics` : undefined;
  }

  private logFile(name: string): string {
    return path.join(this.dir, 'logs', `${name}.log`);
  }

  private async saveState(): Promise<void> {
    await saveState(this.dir, this.state);
  }

  private pathWith(...dirs: string[]): string {
    return [...dirs, process.env.PATH ?? '/usr/bin:/bin'].join(path.delimiter);
  }

  /** Brings everything up in compose's dependency order; parts already running are kept. */
  static async up(options: StackOptions = {}): Promise<NativeStack> {
    const log = options.log ?? (() => undefined);
    if (options.basePort !== undefined) checkBasePort(options.basePort); // before a build of minutes
    const compose = new ComposeFile();
    const versions = {
      server: compose.imageTag('temporal', process.env),
      ui: compose.imageTag('temporal-ui', process.env),
    };
    const prometheus = onPath('prometheus');
    if (!prometheus) {
      throw new ToolMissingError(
        "Prometheus is needed for the native stack: install Debian's package (`apt-get install prometheus`, or " +
          '`node dist/scripts/ensure-test-tools.js prometheus` as root).',
      );
    }
    const binaries = { ...(await ensureStackBinaries(versions, log)), jaeger: await ensureJaeger(log) };
    const cli = await resolveTemporalCli(log);
    const { dir, state, postgres, rolePassword } = await startStackDatabase(options);
    const stack = new NativeStack(dir, state, binaries, cli.path, postgres, options.workerEnv ?? {}, log, rolePassword);
    await stack.runJob('temporal-schema-setup', 'setup-postgres.sh', {
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(stack.ports.postgres),
      SCHEMA_ROOT: binaries.schemaRoot,
    });
    await stack.startServer();
    await stack.runJob('temporal-create-namespace', 'create-namespace.sh', { TEMPORAL_ADDRESS: stack.address });
    await stack.startCodecServer();
    await stack.startUi();
    await stack.startSimulator();
    await stack.startJaeger();
    await stack.startExporter();
    await stack.startPrometheus(prometheus);
    while (stack.state.pids.workers.length < (options.workers ?? 1)) await stack.startWorker();
    return stack;
  }

  /** A one-shot compose job: its script from deploy/, its environment from the compose file. */
  private async runJob(service: string, script: string, overrides: Record<string, string>): Promise<void> {
    const started = Date.now();
    const env = {
      ...this.compose.environment(service, this.vars),
      ...overrides,
      PATH: this.pathWith(this.binaries.binDir, path.dirname(this.temporalCli)),
    };
    try {
      const { stdout, stderr } = await run('/bin/sh', [path.join(projectRoot, 'deploy', script)], { env });
      await writePrivateFile(this.logFile(service), stdout + stderr, true);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`${service} (deploy/${script}) failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    this.log(`${service}: done in ${Date.now() - started} ms`);
  }

  private serverEnv(): Record<string, string> {
    const p = this.ports;
    return {
      ...this.compose.environment('temporal', this.vars),
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(p.postgres),
      BIND_ON_IP: '127.0.0.1',
      DYNAMIC_CONFIG_FILE_PATH: path.join(projectRoot, 'deploy', 'dynamicconfig', 'development-sql.yaml'),
      FRONTEND_GRPC_PORT: String(p.frontend),
      FRONTEND_HTTP_PORT: String(p.frontendHttp),
      FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
      INTERNAL_FRONTEND_GRPC_PORT: String(p.internalFrontend),
      INTERNAL_FRONTEND_MEMBERSHIP_PORT: String(p.internalFrontendMembership),
      HISTORY_GRPC_PORT: String(p.history),
      HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
      MATCHING_GRPC_PORT: String(p.matching),
      MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
      WORKER_GRPC_PORT: String(p.worker),
      WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
      // The server's own metrics, for Prometheus (the image's config template reads this variable).
      PROMETHEUS_ENDPOINT: `127.0.0.1:${p.serverMetrics}`,
      PATH: this.pathWith(),
    };
  }

  private async launch(spec: Omit<ProcessSpec, 'logFile'>, ready: () => Promise<boolean>, timeoutMs = 60_000) {
    const logFile = this.logFile(spec.name);
    const started = Date.now();
    const pid = startDetached({ ...spec, logFile });
    await waitUntil(spec.name, pid, logFile, ready, timeoutMs);
    this.log(`${spec.name}: ready in ${Date.now() - started} ms (pid ${pid})`);
    return pid;
  }

  async startServer(): Promise<void> {
    if (running(this.state.pids.server, 'server')) return;
    this.state.pids.server = await this.launch(
      {
        name: 'temporal',
        command: this.binaries.temporalServer,
        args: ['start'],
        env: this.serverEnv(),
        cwd: this.dir,
      },
      () => frontendHealthy(this.address),
    );
    await this.saveState();
  }

  /** Stops the server (SIGTERM, as `docker compose restart temporal` does) and starts it again. */
  async restartServer(): Promise<void> {
    if (this.state.pids.server) await stopPid(this.state.pids.server);
    this.state.pids.server = undefined;
    await this.startServer();
  }

  /**
   * Sealed (MODELARTS_SEALED=true, as compose reads it for the worker): the workers' keys, and `modelarts-export
   * codec-server` for the UI, CORS for the UI's origin. Demo keys and tokens when none are given.
   */
  private async startCodecServer(): Promise<void> {
    const given = this.compose.environment('worker', this.vars);
    if (!['true', '1'].includes(given.MODELARTS_SEALED ?? '')) return;
    const own = (name: string) => Boolean(process.env[name]?.trim() || process.env[`${name}_FILE`]?.trim());
    this.sealedEnv = { MODELARTS_SEALED: 'true' };
    for (const name of [KEYS_VARIABLE, TOKENS_VARIABLE]) {
      for (const variable of [name, `${name}_FILE`])
        if (process.env[variable]?.trim()) this.sealedEnv[variable] = process.env[variable]!;
    }
    if (!own(KEYS_VARIABLE) && !own(TOKENS_VARIABLE)) {
      const demo = await ensureDemoSealedFiles(this.dir);
      Object.assign(this.sealedEnv, demo.env);
      this.log(`sealed mode with demo keys and codec tokens in ${this.dir} (${demo.keysFile}, ${demo.tokensFile})`);
    }
    if (running(this.state.pids.codec, 'codec')) return;
    const cli = path.join(projectRoot, 'bin', 'modelarts-export.js');
    const listen = `127.0.0.1:${this.ports.codec}`;
    const args = [cli, 'codec-server', '--listen', listen, '--cors-origin', this.uiUrl];
    const env = { ...this.sealedEnv, LOG_LEVEL: given.LOG_LEVEL ?? 'info', PATH: this.pathWith() };
    // Ready once it answers: 401 to an unauthenticated request is the healthy answer.
    this.state.pids.codec = await this.launch({ name: 'codec-server', command: process.execPath, args, env }, () =>
      fetch(`http://${listen}/decode`, { method: 'POST', signal: AbortSignal.timeout(2000) }).then(
        (res) => res.status === 401,
      ),
    );
    await this.saveState();
  }

  private async startUi(): Promise<void> {
    if (running(this.state.pids.ui, 'ui')) return;
    const env = {
      ...this.compose.environment('temporal-ui', this.vars),
      TEMPORAL_ADDRESS: this.address,
      TEMPORAL_UI_PORT: String(this.ports.ui),
      TEMPORAL_CORS_ORIGINS: this.uiUrl,
      // Sealed: the codec server, with cookies (the UI cannot send our bearer token; docs/sealed.md).
      TEMPORAL_CODEC_ENDPOINT: this.codecUrl ?? '',
      TEMPORAL_CODEC_INCLUDE_CREDENTIALS: this.codecUrl ? 'true' : 'false',
      PATH: this.pathWith(),
    };
    const args = ['--root', this.binaries.uiRoot, '--config', 'config', '--env', 'docker', 'start'];
    this.state.pids.ui = await this.launch({ name: 'temporal-ui', command: this.binaries.uiServer, args, env }, () =>
      httpOk(this.uiUrl),
    );
    await this.saveState();
  }

  private async startSimulator(): Promise<void> {
    if (running(this.state.pids.simulator, 'simulator')) return;
    const args = [
      path.join(projectRoot, 'bin', 'modelarts-export.js'),
      'simulator',
      '--host',
      '127.0.0.1',
      '--port',
      String(this.ports.simulator),
      // Like the database, the simulated ModelArts keeps its tasks across a restart of its process.
      '--state-file',
      path.join(this.dir, 'simulator.json'),
    ];
    const env = { ...this.compose.environment('simulator', this.vars), PATH: this.pathWith() };
    this.state.pids.simulator = await this.launch({ name: 'simulator', command: process.execPath, args, env }, () =>
      httpOk(`${this.simulatorUrl}/_sim/health`),
    );
    await this.saveState();
  }

  private async startJaeger(): Promise<void> {
    if (running(this.state.pids.jaeger, 'jaeger')) return;
    const p = this.ports;
    const config = path.join(this.dir, 'jaeger.yaml');
    await writePrivateFile(
      config,
      jaegerConfig({
        otlpHttp: p.jaegerOtlpHttp,
        query: p.jaegerQuery,
        queryGrpc: p.jaegerQueryGrpc,
        metrics: p.jaegerMetrics,
      }),
    );
    const env = { PATH: this.pathWith(), HOME: process.env.HOME ?? this.dir };
    this.state.pids.jaeger = await this.launch(
      { name: 'jaeger', command: this.binaries.jaeger, args: ['--config', config], env, cwd: this.dir },
      () => httpOk(`${this.jaegerUrl}/api/services`),
    );
    await this.saveState();
  }

  private async startPrometheus(binary: string): Promise<void> {
    if (running(this.state.pids.prometheus, 'prometheus')) return;
    const p = this.ports;
    const home = path.join(this.dir, 'prometheus');
    await privateDir(home);
    await this.writeWorkerTargets();
    const config = path.join(home, 'prometheus.yml');
    await writePrivateFile(
      config,
      prometheusConfig({
        workersFile: this.workersFile(),
        exporter: this.state.pids.exporter ? `127.0.0.1:${p.exporter}` : undefined,
        temporalServer: `127.0.0.1:${p.serverMetrics}`,
        jaeger: `127.0.0.1:${p.jaegerMetrics}`,
      }),
    );
    const args = [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(home, 'data')}`,
      `--web.listen-address=127.0.0.1:${p.prometheus}`,
    ];
    this.state.pids.prometheus = await this.launch(
      { name: 'prometheus', command: binary, args, env: { PATH: this.pathWith() }, cwd: home },
      () => httpOk(`${this.prometheusUrl}/-/ready`),
    );
    await this.saveState();
  }

  /** `modelarts-export exporter`: the overdue waits, pollers and drains, one per fleet. */
  private async startExporter(): Promise<void> {
    if (running(this.state.pids.exporter, 'exporter')) return;
    const cli = path.join(projectRoot, 'bin', 'modelarts-export.js');
    const env = {
      ...this.compose.environment('exporter', this.vars),
      TEMPORAL_ADDRESS: this.address,
      TEMPORAL_NAMESPACE: this.namespace,
      PATH: this.pathWith(),
    };
    const args = [cli, 'exporter', '--listen', `127.0.0.1:${this.ports.exporter}`];
    this.state.pids.exporter = await this.launch({ name: 'exporter', command: process.execPath, args, env }, () =>
      httpOk(`http://127.0.0.1:${this.ports.exporter}/metrics`),
    );
    await this.saveState();
  }

  private workersFile(): string {
    return path.join(this.dir, 'prometheus', 'workers.json');
  }

  private async writeWorkerTargets(): Promise<void> {
    const ports = this.state.workerMetrics ?? {};
    const workers = this.state.pids.workers
      .filter((pid) => ports[pid] !== undefined)
      .map((pid) => ({ pid, address: `127.0.0.1:${ports[pid]}` }));
    await writeWorkerTargets(this.workersFile(), workers);
  }

  /** The lowest metrics port no live worker holds. */
  private freeWorkerMetricsPort(): number {
    const taken = new Set(this.state.pids.workers.map((pid) => this.state.workerMetrics?.[pid]));
    for (let slot = 1; slot <= MAX_WORKERS; slot++) {
      const port = this.ports.workerMetricsBase + slot;
      if (!taken.has(port)) return port;
    }
    throw new RangeError(`the stack runs at most ${MAX_WORKERS} workers`);
  }

  /** The environment compose gives a worker, pointed at this stack's server and simulator. */
  workerEnv(): Record<string, string> {
    return {
      ...this.compose.environment('worker', this.vars),
      TEMPORAL_ADDRESS: this.address,
      TEMPORAL_NAMESPACE: this.namespace,
      MODELARTS_ENDPOINT: this.simulatorUrl,
      MODELARTS_PROJECT_ID: DEMO_PROJECT_ID,
      MODELARTS_ACCESS_KEY: DEMO_CREDENTIALS.accessKey,
      MODELARTS_SECRET_KEY: DEMO_CREDENTIALS.secretKey,
      // Traces to the stack's Jaeger (the standard OTel variables the worker's tracing reads).
      OTEL_EXPORTER_OTLP_ENDPOINT: this.otlpEndpoint,
      OTEL_SERVICE_NAME: TRACE_SERVICE_NAME,
      ...this.sealedEnv,
      PATH: this.pathWith(),
      ...this.workerEnvExtra,
    };
  }

  /** Log files of every worker started so far, live or not. */
  workerLogs(): string[] {
    return Array.from({ length: this.state.workersStarted }, (_, i) => this.logFile(`worker-${i + 1}`));
  }

  async startWorker(): Promise<number> {
    const name = `worker-${++this.state.workersStarted}`;
    const logFile = this.logFile(name);
    const offset = existsSync(logFile) ? readFileSync(logFile).length : 0;
    const metricsPort = this.freeWorkerMetricsPort();
    const pid = await this.launch(
      {
        name,
        command: process.execPath,
        args: [path.join(projectRoot, 'bin', 'modelarts-export.js'), 'worker'],
        env: { ...this.workerEnv(), WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` },
      },
      async () => readFileSync(logFile).subarray(offset).includes('worker started'),
    );
    this.state.pids.workers.push(pid);
    this.state.workerMetrics = { ...this.state.workerMetrics, [pid]: metricsPort };
    await this.saveState();
    await this.writeWorkerTargets();
    return pid;
  }

  /** SIGKILL, as in a machine crash: no graceful shutdown, activities in flight are lost. */
  async killWorker(pid: number): Promise<void> {
    await stopPid(pid, 0, 'SIGKILL');
    this.state.pids.workers = this.state.pids.workers.filter((p) => p !== pid);
    delete this.state.workerMetrics?.[pid];
    await this.saveState();
    await this.writeWorkerTargets();
  }

  async down(options: { keepData?: boolean } = {}): Promise<void> {
    await stopStack(this.dir, options);
  }
}

/** What each recorded process's command line contains: a PID reused by another program after a reboot is not ours. */
const COMMAND_OF = {
  server: 'temporal-server',
  ui: 'ui-server',
  simulator: 'modelarts-export.js',
  worker: 'modelarts-export.js',
  exporter: 'modelarts-export.js',
  codec: 'modelarts-export.js',
  jaeger: 'jaeger',
  prometheus: 'prometheus',
} as const;

/** The full path of `name` on PATH, if any. */
const onPath = (name: string): string | undefined =>
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => path.isAbsolute(dir))
    .map((dir) => path.join(dir, name))
    .find((file) => existsSync(file));

/** The process is alive and still the one we started (Linux: its command line says so). */
function running(pid: number | undefined, part: keyof typeof COMMAND_OF): pid is number {
  if (pid === undefined || !isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(COMMAND_OF[part]);
  } catch {
    return true; // no /proc: trust the PID
  }
}

function checkBasePort(basePort: number): number {
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > MAX_BASE_PORT) {
    throw new RangeError(
      `basePort must be from 1024 to ${MAX_BASE_PORT} (the server keeps ports in a smallint); got ${basePort}`,
    );
  }
  return basePort;
}

function readState(dir: string): StackState | undefined {
  const file = path.join(dir, 'stack.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackState) : undefined;
}

async function saveState(dir: string, state: StackState): Promise<void> {
  await writePrivateFile(path.join(dir, 'stack.json'), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * The shell plays compose's part for ${VAR:-default} (TEMPORAL_VERSION, POSTGRES_USER, ... as documented), except
 * for POSTGRES_PASSWORD: the stack's role always has the stack's own random password.
 */
function stackVars(rolePassword: string): Record<string, string | undefined> {
  return { ...process.env, POSTGRES_PASSWORD: rolePassword };
}

/**
 * The first part of `stack up`: the stack's private folders, the role password (made on the first run), the
 * cluster folder (recorded in stack.json before anything is created in it, so `stack down` can clean up after a
 * failed `up`), and the cluster itself, started, with Temporal's role.
 */
export async function startStackDatabase(options: { dir?: string; basePort?: number }) {
  const dir = path.resolve(options.dir ?? DEFAULT_STACK_DIR);
  // When we are root, the postgres user may pass through (not read) our folder to a cluster folder inside it.
  await privateDir(dir, asRoot() ? (await clusterOwner()).gid : undefined);
  await privateDir(path.join(dir, 'logs'));
  const previous = readState(dir);
  const basePort = checkBasePort(options.basePort ?? previous?.basePort ?? DEFAULT_BASE_PORT);
  const rolePassword = await stackRolePassword(path.join(dir, PASSWORD_FILE));
  const compose = new ComposeFile();
  const vars = stackVars(rolePassword);
  const recorded = previous && { dir: previous.postgresDir, marker: previous.postgresMarker ?? '' };
  const home = await claimClusterDir(path.join(dir, 'postgresql'), recorded);
  const state: StackState = {
    basePort,
    namespace: compose.environment('temporal-create-namespace', vars).NAMESPACE ?? 'default',
    postgresDir: home.dir,
    postgresMarker: home.marker,
    pids: { ...previous?.pids, workers: (previous?.pids.workers ?? []).filter((pid) => running(pid, 'worker')) },
    workersStarted: previous?.workersStarted ?? 0,
  };
  await saveState(dir, state);
  const dbEnv = compose.environment('temporal', vars);
  const postgres = await PostgresCluster.open({
    dir: home.dir,
    port: stackPorts(basePort).postgres,
    user: dbEnv.POSTGRES_USER!,
    password: rolePassword,
  });
  return { dir, state, postgres, rolePassword };
}

async function frontendHealthy(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    const response = await connection.healthService.check({});
    return response.status === 1; // SERVING
  } finally {
    await connection.close();
  }
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return response.ok;
}

/**
 * Stops every process of the stack in `dir` (workers first, PostgreSQL last); removes its data unless kept. The
 * cluster folder is stopped and deleted only when it proves to be the one this stack made (`clusterDirProblem`),
 * and `dir` only when it is a real folder of ours with a stack.json: a tampered stack.json deletes nothing.
 */
export async function stopStack(dir = DEFAULT_STACK_DIR, options: { keepData?: boolean } = {}): Promise<void> {
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat) return;
  if (!stat.isDirectory() || stat.uid !== process.getuid?.()) {
    throw new Error(`stack down: ${dir} is not a directory of this user (a symbolic link?): refusing to touch it`);
  }
  const state = readState(dir);
  if (!state) {
    // Nothing recorded, so nothing to stop; remove only what a failed `stack up` leaves before its first save,
    // and the folder itself once that leaves it empty.
    if (!options.keepData) {
      await rm(path.join(dir, 'logs'), { recursive: true, force: true });
      await rm(path.join(dir, PASSWORD_FILE), { force: true });
      await rmdir(dir).catch(() => undefined);
    }
    return;
  }
  await Promise.all([
    ...state.pids.workers.filter((pid) => running(pid, 'worker')).map((pid) => stopPid(pid)),
    ...(running(state.pids.exporter, 'exporter') ? [stopPid(state.pids.exporter)] : []),
    ...(running(state.pids.codec, 'codec') ? [stopPid(state.pids.codec)] : []),
  ]);
  for (const part of ['simulator', 'ui', 'server'] as const) {
    const pid = state.pids[part];
    if (running(pid, part)) await stopPid(pid);
  }
  // Jaeger takes over 4 s to exit on SIGTERM: wait for both at once.
  await Promise.all(
    (['prometheus', 'jaeger'] as const).flatMap((part) => {
      const pid = state.pids[part];
      return running(pid, part) ? [stopPid(pid)] : [];
    }),
  );
  const home: ClusterHome = { dir: state.postgresDir, marker: state.postgresMarker ?? '' };
  const problem = await clusterDirProblem(home);
  if (problem && problem !== 'it does not exist') {
    throw new Error(
      `stack down: refusing to stop or delete ${home.dir}, named in ${path.join(dir, 'stack.json')}: ${problem}`,
    );
  }
  if (!problem) {
    await PostgresCluster.attach(home.dir, stackPorts(state.basePort).postgres).stop();
    if (!options.keepData) await rm(home.dir, { recursive: true, force: true });
  }
  if (!options.keepData) await rm(dir, { recursive: true, force: true });
}

export interface StackStatusRow {
  part: string;
  running: boolean;
  detail: string;
}

export async function stackStatus(dir = DEFAULT_STACK_DIR): Promise<StackStatusRow[] | undefined> {
  const state = readState(dir);
  if (!state) return undefined;
  const ports = stackPorts(state.basePort);
  const postgres = PostgresCluster.attach(state.postgresDir, ports.postgres);
  const pidRow = (part: string, pid: number | undefined, detail: string, command: keyof typeof COMMAND_OF) => ({
    part,
    running: running(pid, command),
    detail: `${detail}${pid ? ` (pid ${pid})` : ''}`,
  });
  return [
    {
      part: 'postgresql',
      running: await postgres.running(),
      detail: `127.0.0.1:${ports.postgres} (${postgres.dataDir})`,
    },
    pidRow('temporal', state.pids.server, `127.0.0.1:${ports.frontend}, namespace ${state.namespace}`, 'server'),
    pidRow('temporal-ui', state.pids.ui, `http://127.0.0.1:${ports.ui}`, 'ui'),
    pidRow('simulator', state.pids.simulator, `http://127.0.0.1:${ports.simulator}`, 'simulator'),
    pidRow('jaeger', state.pids.jaeger, `UI http://127.0.0.1:${ports.jaegerQuery}`, 'jaeger'),
    pidRow('prometheus', state.pids.prometheus, `http://127.0.0.1:${ports.prometheus}`, 'prometheus'),
    ...(state.pids.exporter
      ? [pidRow('exporter', state.pids.exporter, `http://127.0.0.1:${ports.exporter}/metrics`, 'exporter')]
      : []),
    ...(state.pids.codec
      ? [pidRow('codec-server', state.pids.codec, `http://127.0.0.1:${ports.codec} (sign in at /login)`, 'codec')]
      : []),
    ...state.pids.workers.map((pid) =>
      pidRow(
        'worker',
        pid,
        `modelarts-export worker, metrics 127.0.0.1:${state.workerMetrics?.[pid] ?? '-'}`,
        'worker',
      ),
    ),
  ];
}
