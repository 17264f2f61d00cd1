/**
 * Starts and stops a real Temporal dev server (`temporal server start-dev`) with our search attributes registered.
 * Used by `modelarts-export dev`, the test suite and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS, SEARCH_ATTRIBUTE_TYPE_NAMES } from '../workflows/search-attributes.js';
import { resolveTemporalCli } from './resolve-cli.js';

export interface DevServerOptions {
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; the UI is off when omitted and `ui` is false. */
  uiPort?: number;
  ui?: boolean;
  /** SQLite file that keeps state across restarts; in-memory when omitted. */
  dbFilename?: string;
  namespace?: string;
  /** The Web UI's codec server (`--ui-codec-endpoint`), for sealed runs. */
  uiCodecEndpoint?: string;
  /** Extra `--dynamic-config-value KEY=JSON` entries. */
  dynamicConfig?: Record<string, string | number | boolean>;
  log?: (message: string) => void;
}

/**
 * What the request budget needs on server 1.32 (src/budget/classes.ts): the fairness-aware matcher (per-tenant
 * round robin and per-tenant rate limits), and one partition per task queue so that a queue's rate limit is one
 * exact limit rather than one per partition (verified with `.tools/temporal` 1.9.1: docs/request-budget.md).
 */
export const BUDGET_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  'matching.useNewMatcher': true,
  'matching.enableFairness': true,
  // A dev server keeps its history in a file across restarts: move a backlog from before fairness was on.
  'matching.enableMigration': true,
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

/**
 * Upgrade-on-continue-as-new (Worker Versioning): the server tells a pinned run that its deployment's target
 * version has moved (workflowInfo().targetWorkerDeploymentVersionChanged, the signal for a step to continue-as-new
 * onto it). Off by default on server 1.32; deploy/dynamicconfig/development-sql.yaml sets the same two keys.
 */
export const VERSIONING_DYNAMIC_CONFIG = {
  'system.enableSendTargetVersionChanged': true,
  'system.enableSuggestCaNOnNewTargetVersion': true,
} as const;

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  cliPath: string;
  /** Stops the server process (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Stops and starts the server again on the same ports and database file. */
  restart(): Promise<void>;
  /** The server process's id (changes on restart). */
  pid(): number | undefined;
}

/**
 * The dev server's own environment: only what a process needs to run. It takes every setting as a flag, and the
 * caller's MODELARTS_* / OS_* credentials have no business in another program's environment.
 */
export function devServerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LC_ALL', 'SYSTEMROOT'];
  return Object.fromEntries(keep.filter((name) => env[name] !== undefined).map((name) => [name, env[name]]));
}

/** Spawns with a umask of 077, so the database files it creates (temporal.db and its journals) are the user's alone. */
function spawnPrivate(file: string, args: string[]): ChildProcess {
  const previous = process.umask(0o077);
  try {
    return spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: devServerEnv() });
  } finally {
    process.umask(previous);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitForFrontend(address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal server exited early with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.healthService.check({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? (() => undefined);
  const cli = await resolveTemporalCli(log);
  const port = options.port ?? (await freePort());
  const ui = options.ui ?? options.uiPort !== undefined;
  const uiPort = ui ? (options.uiPort ?? (await freePort())) : undefined;
  const namespace = options.namespace ?? 'default';
  const address = `127.0.0.1:${port}`;

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'];
  if (namespace !== 'default') args.push('--namespace', namespace);
  if (uiPort !== undefined) args.push('--ui-port', String(uiPort));
  else args.push('--headless');
  if (uiPort !== undefined && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  for (const key of SEARCH_ATTRIBUTE_KEYS)
    args.push('--search-attribute', `${key.name}=${SEARCH_ATTRIBUTE_TYPE_NAMES[key.type as 'KEYWORD' | 'DATETIME']}`);
  const dynamicConfig = { ...BUDGET_DYNAMIC_CONFIG, ...VERSIONING_DYNAMIC_CONFIG, ...options.dynamicConfig };
  for (const [key, value] of Object.entries(dynamicConfig)) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }

  let child: ChildProcess;
  const launch = async () => {
    child = spawnPrivate(cli.path, args);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    try {
      await waitForFrontend(address, child, 60_000);
    } catch (err) {
      await stopProcess(child);
      throw new Error(`${(err as Error).message}\n${stderr}`);
    }
  };
  await launch();

  return {
    address,
    namespace,
    uiUrl: uiPort !== undefined ? `http://127.0.0.1:${uiPort}` : undefined,
    cliPath: cli.path,
    stop: () => stopProcess(child),
    restart: async () => {
      await stopProcess(child);
      await launch();
    },
    pid: () => child.pid,
  };
}
