/**
 * Live progress of a run, from the workflows' progress queries. On a terminal: one line, redrawn in place, with a
 * bar. Elsewhere (CI logs, pipes): a plain line each time something changes, so logs stay short and greppable.
 */
import type { Client } from '@temporalio/client';
import { awaitRun, getProgress, type RunOutcome, type RunProgress } from '../client/runs.js';
import type { OutStream } from './context.js';

/** Timers that never keep the process alive on their own. */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export interface ProgressView {
  update(progress: RunProgress | undefined): void;
  /** Clears the live line (TTY) so the next output starts on a clean line. */
  done(): void;
}

const BAR_WIDTH = 15;

export function bar(percent: number, width = BAR_WIDTH): string {
  const filled = Math.max(0, Math.min(width, Math.round((percent / 100) * width)));
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The parts of a progress line: `text` (step, status, %, samples, task) changes only when the run moves; `live`
 * (countdowns) changes every second and is left out of plain lines. `task` is kept apart so a narrow terminal
 * cuts the long task id rather than the numbers.
 */
export function describeProgress(
  p: RunProgress | undefined,
  now = Date.now(),
): { text: string; core: string; task: string; live: string; percent?: number } {
  const only = (text: string) => ({ text, core: text, task: '', live: '' });
  if (!p) return only('waiting for the run to answer (is a worker running on this task queue?)');
  if (p.status !== 'RUNNING') return only(`run ${p.status.toLowerCase()}`);
  const steps = p.pipeline?.steps ?? [];
  const index = p.pipeline?.current ?? p.step?.index;
  const stepNo = index === undefined ? '?' : String(index + 1);
  const kind = p.step?.kind ?? (index !== undefined ? steps[index]?.kind : undefined) ?? '';
  const parts = [`step ${stepNo}/${steps.length || '?'}`, kind].filter(Boolean);
  const s = p.step;
  if (!s) return only(`${parts.join('  ')}  starting`);
  parts.push(s.phase === 'waiting' ? (s.status ?? 'waiting') : s.phase);
  const percent = Math.round(s.progress);
  parts.push(`${percent}%`);
  if (s.totalSampleCount !== undefined) parts.push(`${s.finishedSampleCount ?? 0}/${s.totalSampleCount} samples`);
  const live: string[] = [];
  if (s.nextReadAtMs !== undefined && s.phase === 'waiting') live.push(`next read in ${seconds(s.nextReadAtMs - now)}`);
  if (s.etaAtMs !== undefined && s.etaAtMs > now) live.push(`eta ${seconds(s.etaAtMs - now)}`);
  const core = parts.join('  ');
  const task = s.taskId ? `task ${s.taskId}` : '';
  return { text: [core, task].filter(Boolean).join('  '), core, task, live: live.join('  '), percent };
}

export function createProgressView(stream: OutStream, tty = Boolean(stream.isTTY)): ProgressView {
  let last = '';
  let drawn = false;
  return {
    update(progress) {
      const { text, core, task, live, percent } = describeProgress(progress);
      if (tty) {
        const line = [percent !== undefined ? bar(percent) : '', core, live, task].filter(Boolean).join('  ');
        const width = stream.columns ?? 100;
        stream.write(`\r\x1b[K${line.length >= width ? `${line.slice(0, width - 2)}…` : line}`);
        drawn = true;
      } else if (text !== last) {
        stream.write(`${text}\n`);
      }
      last = text;
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/**
 * A progress read that gives up after `timeoutMs` (a run with no worker never answers queries promptly), or when
 * `stop` aborts. Each read has a signal of its own: the Temporal client adds an abort listener per RPC and never
 * removes it, so one signal shared by every read of a long follow would collect tens of thousands.
 */
async function progressWithin(
  client: Client,
  workflowId: string,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<RunProgress | undefined> {
  if (stop.aborted) return undefined;
  const read = new AbortController();
  const abort = () => read.abort();
  stop.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(abort, timeoutMs);
  try {
    return await client.connection.withAbortSignal(read.signal, () => getProgress(client, workflowId));
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', abort);
  }
}

/** How long after a planned status read its result is usually in the step's progress answer. */
const READ_SETTLE_MS = 300;
/** While a planned read has not landed yet (queued behind the budget, slow), ask again this often. */
const LANDING_RETRY_MS = 500;
/** The longest a follow goes without asking (a step can end, or the next one start, between reads). */
const MAX_QUERY_GAP_MS = 30_000;

/**
 * When to ask the run for progress next. The answer changes only when the step reads ModelArts, and the step says
 * when it will (`nextReadAtMs`): ask just after that, and again soon while that read has not landed, instead of
 * every second (each query of a step not in the worker's cache replays its history). Phases without a planned read
 * (starting, resolving, waiting out a busy refusal) are asked every `intervalMs`, as is the run right after a change.
 */
export function nextQueryAt(
  progress: RunProgress | undefined,
  previous: RunProgress | undefined,
  now: number,
  intervalMs: number,
): number {
  const step = progress?.step;
  const changed = describeProgress(progress, now).text !== describeProgress(previous, now).text;
  if (!step || step.phase !== 'waiting' || step.nextReadAtMs === undefined || changed) return now + intervalMs;
  const landed = previous?.step?.index === step.index && previous.step.statusReads < step.statusReads;
  const planned = step.nextReadAtMs + READ_SETTLE_MS;
  // The planned read is due but its result is not in yet: ask again soon, and less often the later it is (a read
  // queued behind a paused budget can take minutes).
  if (planned <= now)
    return now + (landed ? intervalMs : Math.min(MAX_QUERY_GAP_MS, Math.max(LANDING_RETRY_MS, (now - planned) / 2)));
  return Math.min(planned, now + MAX_QUERY_GAP_MS);
}

/**
 * Shows progress until the run ends (or `signal` aborts: the caller stopped following), then reports how it ended.
 * Queries are aimed at the step's planned reads (nextQueryAt); between them the view is redrawn every `intervalMs`
 * from the last answer, so countdowns move without asking the run.
 */
export async function followRun(
  client: Client,
  workflowId: string,
  view: ProgressView,
  options: { signal?: AbortSignal; intervalMs?: number; onQuery?: () => void } = {},
): Promise<RunOutcome> {
  const intervalMs = options.intervalMs ?? 1000;
  let finished = false;
  const stopped = () => finished || Boolean(options.signal?.aborted);
  // Progress reads still in flight when the run ends are cancelled, not left retrying: the caller may close the
  // connection next, and a retry on a closed channel throws from a timer ("Channel has been shut down").
  const reads = new AbortController();
  const outcome = awaitRun(client, workflowId);
  const settle = () => {
    finished = true;
  };
  outcome.then(settle, settle);
  const ended = outcome.then(
    () => 'end' as const,
    () => 'end' as const,
  );
  let previous: RunProgress | undefined;
  try {
    while (!stopped()) {
      options.onQuery?.();
      const progress = await Promise.race([progressWithin(client, workflowId, 5000, reads.signal), ended]);
      if (progress === 'end' || stopped()) break;
      view.update(progress);
      const askAt = nextQueryAt(progress, previous, Date.now(), intervalMs);
      previous = progress;
      while (!stopped() && Date.now() < askAt) {
        await Promise.race([pause(Math.min(intervalMs, askAt - Date.now())), ended]);
        if (!stopped()) view.update(progress);
      }
    }
  } finally {
    reads.abort();
    view.done();
  }
  return outcome;
}
