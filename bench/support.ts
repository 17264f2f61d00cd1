/**
 * Shared plumbing of `npm run bench`: machine facts, cleanup of everything a part starts (dev server, worker
 * processes, simulator, client connections) even when the part fails, worker child processes with memory sampling,
 * bounded concurrency, visibility helpers and table formatting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { access, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, defaultPayloadConverter, type WorkflowExecutionInfo } from '@temporalio/client';
import { startDevServer, type DevServer } from '../src/devserver/dev-server.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator/index.js';

/** The repository root: this file runs from `dist/bench-build/bench/`. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const ACCESS_KEY = 'BENCHAKEXAMPLE000001';
export const SECRET_KEY = 'bench-secret-key-never-logged-0001';

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: every resource a part starts registers its own disposer; parts run them in `finally`, and the entry
// point runs whatever is left on SIGINT/SIGTERM or an uncaught error.
// ---------------------------------------------------------------------------------------------------------------

type Disposer = () => Promise<void> | void;
const disposers: { label: string; fn: Disposer; timeoutMs: number }[] = [];

/**
 * Registers a disposer; returns a function that runs it once (and unregisters it). `timeoutMs` bounds it when
 * `cleanupAll` runs it (default 20 s; stopping a whole native stack takes longer).
 */
export function onCleanup(label: string, fn: Disposer, timeoutMs = 20_000): () => Promise<void> {
  const entry = { label, fn, timeoutMs };
  disposers.push(entry);
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    const i = disposers.indexOf(entry);
    if (i >= 0) disposers.splice(i, 1);
    await fn();
  };
}

/** Runs every registered disposer, newest first; errors are reported, never thrown. */
export async function cleanupAll(): Promise<void> {
  while (disposers.length > 0) {
    const entry = disposers.pop()!;
    try {
      await withTimeout(Promise.resolve(entry.fn()), entry.timeoutMs, `cleanup ${entry.label}`);
    } catch (err) {
      console.error(`cleanup of ${entry.label} failed: ${(err as Error).message}`);
    }
  }
}

/** A scope for one part: resources opened through it are disposed (newest first) by `close`. */
export class Scope {
  private readonly closers: (() => Promise<void>)[] = [];
  add(label: string, fn: Disposer, timeoutMs?: number): void {
    this.closers.push(onCleanup(label, fn, timeoutMs));
  }
  async close(): Promise<void> {
    while (this.closers.length > 0) {
      try {
        await this.closers.pop()!();
      } catch (err) {
        console.error(`cleanup failed: ${(err as Error).message}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Machine
// ---------------------------------------------------------------------------------------------------------------

export interface MachineInfo {
  nproc: number;
  memoryGiB: number;
  cpuModel: string;
  node: string;
  platform: string;
  kernel: string;
  temporalCli?: string;
  temporalSdk?: string;
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux: os.cpus() is good enough
  }
  let temporalSdk: string | undefined;
  try {
    const pkg = path.join(projectRoot, 'node_modules', '@temporalio', 'worker', 'package.json');
    temporalSdk = (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    temporalSdk = undefined;
  }
  return {
    nproc: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    cpuModel,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    ...(temporalSdk && { temporalSdk }),
    loadAverage: os.loadavg().map((l) => +l.toFixed(2)),
  };
}

/** Points the CLI resolver at the project's cached copy (the compiled bench lives elsewhere than `dist/`). */
export async function useProjectTemporalCli(): Promise<void> {
  if (process.env.TEMPORAL_CLI_PATH) return;
  const cached = path.join(projectRoot, '.tools', 'temporal');
  try {
    await access(cached, constants.X_OK);
    process.env.TEMPORAL_CLI_PATH = cached;
  } catch {
    // the resolver will look on PATH and install one if needed
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Dev server, simulator, client
// ---------------------------------------------------------------------------------------------------------------

export async function benchDevServer(
  scope: Scope,
  dynamicConfig: Record<string, string | number | boolean>,
): Promise<DevServer> {
  const server = await startDevServer({ dynamicConfig, log: (m) => console.error(`[dev-server] ${m}`) });
  scope.add('dev server', () => server.stop());
  return server;
}

export async function benchSimulator(scope: Scope, options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({
    credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
    seed: 42,
    ...options,
  });
  scope.add('simulator', () => sim.close());
  return sim;
}

export async function benchClient(scope: Scope, server: DevServer): Promise<Client> {
  const connection = await Connection.connect({ address: server.address });
  scope.add('client connection', () => connection.close());
  return new Client({ connection, namespace: server.namespace });
}

export async function cliVersion(server: DevServer): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(server.cliPath, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', () => resolve(out.trim()));
    child.on('error', () => resolve('unknown'));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Worker processes
// ---------------------------------------------------------------------------------------------------------------

/** The real worker entry (`node dist/worker.js`, with the prebuilt production bundle next to it). */
export const REAL_WORKER_ENTRY = path.join(projectRoot, 'dist', 'worker.js');

export interface WorkerTuningEnv {
  WORKER_MAX_CACHED_WORKFLOWS: number;
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: number;
  WORKER_MAX_CONCURRENT_ACTIVITIES: number;
  /** Node flags for the worker process, e.g. a heap limit. */
  NODE_OPTIONS?: string;
}

export interface WorkerProc {
  pid: number;
  /** Epoch ms of the first RSS sample; sample i was taken about i × sampleMs later. */
  startedAt: number;
  logFile: string;
  /** VmRSS samples (MiB) taken every `sampleMs`. */
  rssSamplesMiB: number[];
  /** Peak resident set so far (VmHWM, MiB), or the largest sample when /proc is not readable. */
  peakMiB(): number;
  currentMiB(): number;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  tail(lines?: number): Promise<string>;
}

export function procStatusMiB(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(/(\d+)\s*kB/.exec(text.split('\n').find((l) => l.startsWith(key)) ?? '')?.[1]);
    return { rss: kib('VmRSS:') / 1024, hwm: kib('VmHWM:') / 1024 };
  } catch {
    return undefined;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a worker as a child process (`node <entry> [...args]`) with only the given environment (plus PATH),
 * output to a log file, and resolves once it logged `worker started`.
 */
export async function startWorkerProcess(
  scope: Scope,
  entry: string,
  env: Record<string, string | number>,
  options: { sampleMs?: number; startTimeoutMs?: number; label?: string; args?: string[] } = {},
): Promise<WorkerProc> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-bench-'));
  const logFile = path.join(dir, 'worker.log');
  const log = await open(logFile, 'w');
  const child = spawn(process.execPath, [entry, ...(options.args ?? [])], {
    env: {
      PATH: process.env.PATH ?? '',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['ignore', log.fd, log.fd],
  });
  await log.close();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${entry}`);
  const samples: number[] = [];
  const startedAt = Date.now();
  let lastHwm = 0;
  const sample = () => {
    const s = procStatusMiB(pid);
    if (s) {
      samples.push(+s.rss.toFixed(1));
      lastHwm = Math.max(lastHwm, s.hwm);
    }
  };
  const timer = setInterval(sample, options.sampleMs ?? 1000);
  timer.unref();
  const stop = async (graceMs = 15_000) => {
    clearInterval(timer);
    sample();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
    await exited(child);
    clearTimeout(force);
  };
  scope.add(options.label ?? `worker ${pid}`, async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });
  const tail = async (lines = 20) => {
    try {
      return (await readFile(logFile, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`worker exited early (${child.exitCode ?? child.signalCode}):\n${await tail()}`);
    const text = existsSync(logFile) ? await readFile(logFile, 'utf8') : '';
    if (text.includes('worker started')) break;
    if (Date.now() > deadline) throw new Error(`worker did not start in time:\n${await tail()}`);
    await sleep(200);
  }
  return {
    pid,
    startedAt,
    logFile,
    rssSamplesMiB: samples,
    peakMiB: () => {
      sample();
      return +Math.max(lastHwm, ...samples, 0).toFixed(1);
    },
    currentMiB: () => +(procStatusMiB(pid)?.rss ?? 0).toFixed(1),
    stop,
    tail,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: timed out after ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** Polls `fn` every `intervalMs` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(
  fn: () => Promise<boolean> | boolean,
  timeoutMs: number,
  label: string,
  intervalMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`${label}: not reached within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(intervalMs);
  }
}

/** Every execution (each run of a continue-as-new chain is its own entry) matching a visibility query. */
export async function listAll(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query, pageSize: 1000 })) out.push(info);
  return out;
}

export async function countOf(client: Client, query: string): Promise<number> {
  return (await client.workflow.count(query)).count;
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export const mean = (values: number[]): number =>
  values.length === 0 ? NaN : values.reduce((s, v) => s + v, 0) / values.length;

export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < 1_000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1_000).toFixed(a < 10_000 ? 2 : 1)} s`;
  if (a < 3_600_000) return `${sign}${+(a / 60_000).toFixed(1)} min`;
  return `${sign}${+(a / 3_600_000).toFixed(2)} h`;
}

/** A markdown table with padded columns. */
export function mdTable(header: string[], rows: (string | number)[][]): string {
  const body = rows.map((r) => r.map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export const yesNo = (met: boolean): string => (met ? 'yes' : 'NO');

/** Environment for a worker process talking to the dev server and the simulator. */
export function workerEnv(
  server: DevServer,
  sim: Simulator,
  taskQueue: string,
  tuning: WorkerTuningEnv,
  extra: Record<string, string> = {},
): Record<string, string | number> {
  return {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    MODELARTS_ENDPOINT: sim.url,
    MODELARTS_PROJECT_ID: sim.projectId,
    MODELARTS_ACCESS_KEY: ACCESS_KEY,
    MODELARTS_SECRET_KEY: SECRET_KEY,
    ...tuning,
    ...extra,
  };
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; undefined when unreadable. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on every Linux we run on. */
const CLOCK_TICKS = 100;

/** Pid of a direct child of this process whose command line contains `needle` (e.g. the dev server). */
export function childPid(needle: string): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== process.pid) continue;
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
        if (cmdline.includes(needle)) return Number(entry);
      } catch {
        // the process went away meanwhile
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** CPU used by this process (the bench: client and simulator), in ms. */
export function selfCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

type HistoryEvent = { eventTime?: { seconds?: unknown; nanos?: number | null } | null } & Record<string, unknown>;

/** The event's type, from the one `…EventAttributes` field it carries (e.g. `activityTaskCompleted`). */
export function eventName(event: HistoryEvent): string {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventAttributes') && value) return key.slice(0, -'EventAttributes'.length);
  }
  return 'unknown';
}

export function eventTimeMs(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) return NaN;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** Events of one run (the latest when `runId` is omitted). */
export async function historyEvents(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []) as unknown as HistoryEvent[];
}

/** Decodes the first payload of an event's result (activity completion, workflow completion). */
export function decodeFirstPayload<T>(payloads: { payloads?: unknown[] | null } | null | undefined): T | undefined {
  const first = payloads?.payloads?.[0];
  return first === undefined ? undefined : defaultPayloadConverter.fromPayload<T>(first as never);
}
