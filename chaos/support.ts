/**
 * Chaos-only pieces: a seeded schedule, the CLI as a child process, a worker that is SIGKILLed and restarted, a
 * Temporal client that can be swapped after a server restart, and start/await helpers that ride out an unavailable
 * server. Scope, sleep, the worker launcher and its environment are the shared ones in src/local/.
 *
 * Imports such as `../client/runs.js` resolve to the compiled library in dist/ (see chaos/tsconfig.json), the
 * same build the worker child processes run.
 */
import { spawn } from 'node:child_process';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { awaitRun, startRun, type RunOutcome } from '../client/runs.js';
import { projectRoot } from '../local/paths.js';
import { AbortedError, sleep } from '../local/time.js';
import { startWorkerProcess, type WorkerProcess, type WorkerProcessOptions } from '../local/worker-process.js';
import { mulberry32 } from '../polling/replay.js';

export interface Rng {
  (): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** The project's mulberry32 with integer and pick helpers: a given seed always gives the same schedule. */
export function seeded(seed: number): Rng {
  const next = mulberry32(seed) as Rng;
  next.int = (min, max) => min + Math.floor(next() * (max - min + 1));
  next.pick = (items) => items[Math.floor(next() * items.length)]!;
  return next;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

// ---------------------------------------------------------------------------------------------------------------
// Child processes: the CLI and a supervised worker
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
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * Keeps one worker process running: `crash()` SIGKILLs it and starts a new one; a worker that dies on its own is
 * replaced too, and counted, since that would be a finding of its own.
 */
export class WorkerSupervisor {
  kills = 0;
  unexpectedExits: string[] = [];
  restarts = 0;
  private current: WorkerProcess | undefined;
  private closed = false;
  private starting: Promise<void> | undefined;
  /** Pids we killed or stopped on purpose. */
  private readonly expectedExit = new Set<number>();

  constructor(
    private readonly env: Record<string, string>,
    private readonly options: WorkerProcessOptions = {},
  ) {}

  async start(): Promise<void> {
    this.starting ??= this.launch().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async launch(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3 && !this.closed; attempt++) {
      try {
        const worker = await startWorkerProcess(this.env, this.options);
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
