/**
 * The real worker as a child process, so it can be SIGKILLed (a machine crash) and started again: tests, the bench
 * and the chaos runner all launch it here. Stopped by its PID, never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { projectRoot, workerEntry } from './paths.js';
import { sleep } from './time.js';

export interface WorkerProcessOptions {
  /** Script run with node; default dist/worker.js (cliEntry with args ['worker'] runs it through the CLI). */
  entry?: string;
  args?: string[];
  /** Output goes to this file instead of through this process (the bench keeps its own CPU figures clean). */
  logFile?: string;
  /** Keep all output (secret scans, log assertions); otherwise only its last 256 KB. */
  keepAll?: boolean;
  /** Default 60 s. */
  startTimeoutMs?: number;
}

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** What the process wrote (stdout and stderr). */
  output(): string;
  exited: Promise<void>;
  alive(): boolean;
  /** SIGKILL: no graceful shutdown, as in a machine crash. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL once `graceMs` has passed (default 10 s). */
  stop(graceMs?: number): Promise<void>;
}

const TAIL = 256 * 1024;

/** Starts the worker with only `env` (plus PATH and JSON logs at info) and resolves once it logged "worker started". */
export async function startWorkerProcess(
  env: Record<string, string>,
  options: WorkerProcessOptions = {},
): Promise<WorkerProcess> {
  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'w');
  const child = spawn(process.execPath, [options.entry ?? workerEntry, ...(options.args ?? [])], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
  });
  if (logFd !== undefined) closeSync(logFd);
  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString();
    if (!options.keepAll && out.length > 2 * TAIL) out = out.slice(-TAIL);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const output = () => (options.logFile === undefined ? out : readLog(options.logFile, options.keepAll));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = async () => {
    if (alive()) child.kill('SIGKILL');
    await exited;
  };
  const stop = async (graceMs = 10_000) => {
    if (!alive()) return;
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(force);
  };
  try {
    await untilStarted(child, output, alive, options.startTimeoutMs ?? 60_000);
  } catch (err) {
    await kill();
    throw err;
  }
  return { pid: child.pid!, child, output, exited, alive, kill, stop };
}

async function untilStarted(child: ChildProcess, output: () => string, alive: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!output().includes('worker started')) {
    if (!alive())
      throw new Error(`worker exited with ${child.exitCode ?? child.signalCode}:\n${output().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`worker did not start in time:\n${output().slice(-2000)}`);
    await sleep(100);
  }
}

function readLog(file: string, keepAll = false): string {
  try {
    const text = readFileSync(file, 'utf8');
    return keepAll ? text : text.slice(-TAIL);
  } catch {
    return '';
  }
}
