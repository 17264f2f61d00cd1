/**
 * Shared pieces of the chaos scenarios: a seeded PRNG, cleanup scopes, worker child processes (SIGKILL and
 * restart), a Temporal client that can be swapped after a server restart, and start/await helpers that ride out
 * an unavailable server.
 *
 * Imports such as `../client/runs.js` resolve to the compiled library in dist/ (see chaos/tsconfig.json), the
 * same build the worker child processes run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { awaitRun, startRun, type RunOutcome } from '../client/runs.js';

/** The project root (dist/chaos/ → ../..). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const workerEntry = path.join(projectRoot, 'dist', 'worker.js');
export const cliEntry = path.join(projectRoot, 'bin', 'modelarts-export.js');

// ---------------------------------------------------------------------------------------------------------------
// Randomness and time
// ---------------------------------------------------------------------------------------------------------------

export interface Rng {
  (): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** mulberry32, the same generator the simulator uses: a given seed always gives the same schedule. */
export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  const next = (() => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as Rng;
  next.int = (min, max) => min + Math.floor(next() * (max - min + 1));
  next.pick = (items) => items[Math.floor(next() * items.length)]!;
  return next;
}

export class AbortedError extends Error {
  constructor(message = 'aborted') {
    super(message);
    this.name = 'AbortedError';
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Rejects after `ms` (the promise itself keeps running; callers abort it through their signal). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

// ---------------------------------------------------------------------------------------------------------------
// Cleanup
// ---------------------------------------------------------------------------------------------------------------

/** Cleanup actions of one scenario, run last-in first-out, each bounded, errors collected but never thrown. */
export class Scope {
  private readonly actions: { what: string; fn: () => Promise<unknown> | unknown; timeoutMs: number }[] = [];
  readonly problems: string[] = [];

  /** `timeoutMs` bounds this one action (default 20 s; stopping a whole native stack takes longer). */
  defer(what: string, fn: () => Promise<unknown> | unknown, timeoutMs = 20_000): void {
    this.actions.push({ what, fn, timeoutMs });
  }

  async close(): Promise<void> {
    while (this.actions.length > 0) {
      const { what, fn, timeoutMs } = this.actions.pop()!;
      try {
        await withTimeout(Promise.resolve().then(fn), timeoutMs, `cleanup: ${what}`);
      } catch (err) {
        this.problems.push(`${what}: ${(err as Error).message}`);
      }
    }
  }
}

/** Every child process this runner spawned, so they are SIGKILLed even when the runner itself dies. */
const children = new Set<ChildProcess>();

/**
 * Last resort on exit: SIGKILL our own children, by pid. That includes the Temporal dev servers, which
 * startDevServer spawns without exposing the process; they are found as children of this process in /proc.
 */
export function killOwnChildrenSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which is in parentheses and may contain spaces): state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes: the worker and the CLI
// ---------------------------------------------------------------------------------------------------------------

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a Node script to completion (SIGKILL after `timeoutMs`), capturing its output. */
export function runNode(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
  stdin?: string,
): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    if (stdin !== undefined) child.stdin?.end(stdin);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

export interface WorkerChild {
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote (stdout and stderr), or the last 256 KB with `keepAll` false. */
  output(): string;
  exited: Promise<void>;
  alive(): boolean;
  /** SIGKILL, as in a machine crash. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** `worker`: node dist/worker.js; `cli`: node bin/modelarts-export.js worker. */
  entry?: 'worker' | 'cli';
  /** Keep the whole output (for secret scans); otherwise only its tail. */
  keepAll?: boolean;
  startTimeoutMs?: number;
}

const TAIL = 256 * 1024;

/** Environment of a worker child: the scenario's dev server, simulator, task queue and AK/SK pair. */
export function chaosWorkerEnv(
  server: { address: string; namespace: string },
  sim: { url: string; projectId: string },
  taskQueue: string,
  credentials: { accessKey: string; secretKey: string },
): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    MODELARTS_ENDPOINT: sim.url,
    MODELARTS_PROJECT_ID: sim.projectId,
    MODELARTS_ACCESS_KEY: credentials.accessKey,
    MODELARTS_SECRET_KEY: credentials.secretKey,
  };
}

/** Starts the real worker as a child process and waits for its "worker started" log line. */
export async function startWorkerChild(env: Record<string, string>, options: WorkerOptions = {}): Promise<WorkerChild> {
  const args = options.entry === 'cli' ? [cliEntry, 'worker'] : [workerEntry];
  const child = spawn(process.execPath, args, {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString();
    if (!options.keepAll && out.length > 2 * TAIL) out = out.slice(-TAIL);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      children.delete(child);
      resolve();
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = async () => {
    if (alive()) child.kill('SIGKILL');
    await exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker did not start in time:\n${out.slice(-2000)}`)),
        options.startTimeoutMs ?? 60_000,
      );
      const check = () => {
        if (out.includes('worker started')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`worker exited with ${child.exitCode ?? child.signalCode}:\n${out.slice(-2000)}`));
      });
    });
  } catch (err) {
    await kill();
    throw err;
  }
  return {
    pid: child.pid!,
    child,
    output: () => out,
    exited,
    alive,
    kill,
    stop: async () => {
      if (!alive()) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(force);
    },
  };
}

/**
 * Keeps one worker process running: `crash()` SIGKILLs it and starts a new one; a worker that dies on its own is
 * replaced too, and counted, since that would be a finding of its own.
 */
export class WorkerSupervisor {
  kills = 0;
  unexpectedExits: string[] = [];
  restarts = 0;
  private current: WorkerChild | undefined;
  private closed = false;
  private starting: Promise<void> | undefined;
  /** Pids we killed or stopped on purpose. */
  private readonly expectedExit = new Set<number>();

  constructor(
    private readonly env: Record<string, string>,
    private readonly options: WorkerOptions = {},
  ) {}

  async start(): Promise<void> {
    this.starting ??= this.launch().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async launch(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3 && !this.closed; attempt++) {
      try {
        const worker = await startWorkerChild(this.env, this.options);
        this.current = worker;
        void worker.exited.then(() => {
          if (this.closed || this.current !== worker || this.expectedExit.has(worker.pid)) return;
          this.unexpectedExits.push(`pid ${worker.pid}: ${worker.output().slice(-500)}`);
          void this.start().catch(() => undefined);
        });
        return;
      } catch (err) {
        lastError = err;
        await sleep(1000);
      }
    }
    if (!this.closed) throw lastError;
  }

  /** SIGKILL the running worker and start a new one. */
  async crash(): Promise<void> {
    await this.starting;
    const worker = this.current;
    if (worker?.alive()) {
      this.expectedExit.add(worker.pid);
      await worker.kill();
      this.kills++;
    }
    this.restarts++;
    await this.start();
  }

  output(): string {
    return this.current?.output() ?? '';
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    if (this.current) {
      this.expectedExit.add(this.current.pid);
      await this.current.kill();
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Temporal client that survives a server restart
// ---------------------------------------------------------------------------------------------------------------

export class SwappableClient {
  private connection: Connection | undefined;
  private client: Client | undefined;
  private readonly retired: Connection[] = [];

  constructor(
    private readonly address: string,
    private readonly namespace = 'default',
  ) {}

  async connect(): Promise<Client> {
    const connection = await Connection.connect({ address: this.address, connectTimeout: 5_000 });
    if (this.connection) this.retired.push(this.connection);
    this.connection = connection;
    this.client = new Client({ connection, namespace: this.namespace });
    return this.client;
  }

  /** Reconnects until it works or `deadline` (epoch ms) passes. */
  async reconnect(deadline: number, signal?: AbortSignal): Promise<Client> {
    for (;;) {
      try {
        return await this.connect();
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(500, signal);
      }
    }
  }

  get(): Client {
    if (!this.client) throw new Error('not connected');
    return this.client;
  }

  async close(): Promise<void> {
    for (const c of [...this.retired, ...(this.connection ? [this.connection] : [])]) {
      await c.close().catch(() => undefined);
    }
  }
}

/** Starts a run (same workflow id → attaches), retrying while the server is unavailable. */
export async function startRunRetrying(
  clients: SwappableClient,
  spec: unknown,
  options: { taskQueue: string; workflowId: string },
  signal: AbortSignal,
): Promise<{ attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      await startRun(clients.get(), spec, options);
      return { attempts: attempt };
    } catch (err) {
      if (signal.aborted) throw new AbortedError();
      if ((err as Error).name === 'SpecError') throw err;
      await sleep(Math.min(2000, 250 * attempt), signal);
    }
  }
}

/** Waits for a run's outcome; connection errors (a restarting server) are retried, run failures are returned. */
export async function awaitRunRetrying(
  clients: SwappableClient,
  workflowId: string,
  signal: AbortSignal,
): Promise<RunOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await awaitRun(clients.get(), workflowId);
    } catch (err) {
      if (signal.aborted) throw new AbortedError();
      if (err instanceof WorkflowFailedError) throw err;
      await sleep(Math.min(2000, 250 * attempt), signal);
    }
  }
}

/** Messages of failures that retrying should have absorbed (throttling, 5xx, network, expired tokens). */
export const TRANSIENT_PATTERN =
  /\b(?:429|500|502|503|504)\b|ModelArts\.(?:4206|0010|4700|4127)|APIG\.0308|ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up|network|timed out|throttl|Unavailable/i;

/** Fixed-width table cell. */
export function cell(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat.padEnd(width);
}
