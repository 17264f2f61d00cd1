/**
 * Shared plumbing of `npm run bench`: machine facts, one scope per part whose clean-up also runs when the part
 * fails or the bench is interrupted, the local stack with the bench's credentials, worker child processes with
 * memory sampling, bounded concurrency, visibility helpers and table formatting. Scope, sleep, the stack and the
 * worker launcher are the shared ones in src/local/.
 */
import { execFileSync, spawn } from 'node:child_process';
import { constants, readFileSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, defaultPayloadConverter, type WorkflowExecutionInfo } from '@temporalio/client';
import { startDevServer, type DevServer } from '../src/devserver/dev-server.js';
import { childPids } from '../src/local/children.js';
import { projectRoot } from '../src/local/paths.js';
import { Scope } from '../src/local/scope.js';
import { startLocalStack, type LocalStack } from '../src/local/stack.js';
import { startWorkerProcess } from '../src/local/worker-process.js';

export { projectRoot, workerEntry as REAL_WORKER_ENTRY } from '../src/local/paths.js';
export { pollUntil, sleep, withTimeout } from '../src/local/time.js';

const CREDENTIALS = { accessKey: 'BENCHAKEXAMPLE000001', secretKey: 'bench-secret-key-never-logged-0001' };

// ---------------------------------------------------------------------------------------------------------------
// Cleanup: each part closes its scope in `finally`; the entry point closes whatever is left on SIGINT/SIGTERM, an
// uncaught error, or a part that timed out while still running.
// ---------------------------------------------------------------------------------------------------------------

const scopes: Scope[] = [];

/** A part's scope, closed by the part and, should it hang or the bench be interrupted, by `cleanupAll`. */
export function benchScope(): Scope {
  const scope = new Scope((problem) => console.error(`cleanup failed: ${problem}`));
  scopes.push(scope);
  return scope;
}

/** Closes every part's scope, newest first; errors are reported, never thrown. */
export async function cleanupAll(): Promise<void> {
  while (scopes.length > 0) await scopes.pop()!.close();
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
  /** `git rev-parse --short HEAD` of the code measured; absent outside a git checkout (and in older results). */
  commit?: string;
  /** Whether the work tree held uncommitted changes (bench/results/ not counted), so `commit` is not all of it. */
  dirty?: boolean;
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
    ...gitRevision(),
  };
}

/** The commit the figures are measured at, and whether uncommitted changes (outside bench/results/) were measured too. */
export function gitRevision(): { commit?: string; dirty?: boolean } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', '.', ':(exclude)bench/results') !== '';
    return { commit, dirty };
  } catch {
    return {}; // not a git checkout (an unpacked release): the results say "commit unknown"
  }
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

/** A dev server alone (the stack part pairs it with the native stack's simulator). */
export async function benchDevServer(
  scope: Scope,
  dynamicConfig: Record<string, string | number | boolean>,
): Promise<DevServer> {
  const server = await startDevServer({ dynamicConfig, log: (m) => console.error(`[dev-server] ${m}`) });
  scope.defer('dev server', () => server.stop());
  return server;
}

/** Dev server + simulator (seed 42, the bench's AK/SK) for one part, stopped with its scope. */
export async function benchStack(
  scope: Scope,
  dynamicConfig: Record<string, string | number | boolean>,
  taskQueue: string,
): Promise<LocalStack> {
  const stack = await startLocalStack({
    devServer: { dynamicConfig, log: (m) => console.error(`[dev-server] ${m}`) },
    simulator: { seed: 42 },
    credentials: CREDENTIALS,
    taskQueue,
  });
  scope.defer('local stack', () => stack.close());
  return stack;
}

export async function benchClient(scope: Scope, server: { address: string; namespace: string }): Promise<Client> {
  const connection = await Connection.connect({ address: server.address });
  scope.defer('client connection', () => connection.close());
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

/**
 * The request budget of the parts that do not measure it: on (every class's queue rate-limited by the server), with
 * limits far above what 2 cores offer (about 20 exports/s), so it shapes nothing; the default budget (2 creates/s)
 * would cap every part at 2 exports/s. The budget part sets its own.
 */
export const ABOVE_LOAD_BUDGET = { MODELARTS_BUDGET_READS_RPS: 1000, MODELARTS_BUDGET_WRITES_RPS: 1000 } as const;

export type WorkerTuningEnv = {
  WORKER_MAX_CACHED_WORKFLOWS: number;
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: number;
  WORKER_MAX_CONCURRENT_ACTIVITIES: number;
  /** Node flags for the worker process, e.g. a heap limit. */
  NODE_OPTIONS?: string;
  /** The request budget a part means, set explicitly (the shell's values never reach the bench's workers). */
  MODELARTS_BUDGET_READS_RPS?: number | 'unlimited';
  MODELARTS_BUDGET_WRITES_RPS?: number | 'unlimited';
};

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

/**
 * Starts a worker (`node <entry> [...args]`) with only the given environment, its output in a log file (so the
 * bench process's CPU figures stay its own), and samples its memory until it stops.
 */
export async function startBenchWorker(
  scope: Scope,
  entry: string,
  env: Record<string, string>,
  options: { sampleMs?: number; label?: string; args?: string[] } = {},
): Promise<WorkerProc> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'modelarts-bench-'));
  const logFile = path.join(dir, 'worker.log');
  scope.defer(`${options.label ?? 'worker'} log dir`, () => rm(dir, { recursive: true, force: true }));
  const worker = await startWorkerProcess(env, {
    entry,
    ...(options.args && { args: options.args }),
    logFile,
    keepAll: true,
    startTimeoutMs: 90_000,
  });
  const memory = sampleMemory(worker.pid, options.sampleMs ?? 1000);
  const stop = async (graceMs = 15_000) => {
    memory.stop();
    await worker.stop(graceMs);
  };
  scope.defer(options.label ?? `worker ${worker.pid}`, () => stop());
  return {
    pid: worker.pid,
    startedAt: memory.startedAt,
    logFile,
    rssSamplesMiB: memory.samples,
    peakMiB: memory.peakMiB,
    currentMiB: () => +(procStatusMiB(worker.pid)?.rss ?? 0).toFixed(1),
    stop,
    tail: async (lines = 20) => {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    },
  };
}

/** VmRSS every `sampleMs`, and the peak (VmHWM) seen. */
function sampleMemory(pid: number, sampleMs: number) {
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
  const timer = setInterval(sample, sampleMs);
  timer.unref();
  return {
    samples,
    startedAt,
    peakMiB: () => {
      sample();
      return +Math.max(lastHwm, ...samples, 0).toFixed(1);
    },
    stop: () => {
      clearInterval(timer);
      sample();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

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
  return childPids().find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(needle);
    } catch {
      return false; // the process went away meanwhile
    }
  });
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
